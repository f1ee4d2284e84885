// The worker's workflow bundle entry: every workflow type it runs.
export { orderWorkflow } from './order.js';
export { deliveryWorkflow } from './delivery.js';
export { refundWorkflow } from './refund.js';
export { returnWorkflow } from './return.js';
// Each type's versioning behavior (Worker Deployment versioning), set on the functions above.
import './versioning.js';
