// The worker's workflow bundle entry: every workflow type it runs.
export { orderWorkflow } from './order.js';
export { deliveryWorkflow } from './delivery.js';
