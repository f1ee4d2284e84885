/** The payment provider port and its providers now live in ./payments/ (one file each); this keeps the old import path. */
export * from './payments/index.js';
