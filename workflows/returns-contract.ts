/** All a caller needs to talk to refund and return workflows. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RefundInput } from '../activities/refunds.js';
import type { RefundResult } from '../activities/payment-providers.js';

export const REFUND_WORKFLOW_TYPE = 'refundWorkflow';
export const RETURN_WORKFLOW_TYPE = 'returnWorkflow';

export function refundWorkflowId(refundId: string): string {
  return `refund-${refundId}`;
}

export function returnWorkflowId(returnId: string): string {
  return `return-${returnId}`;
}

export interface RefundWorkflowInput extends RefundInput {
  orderWorkflowId: string;
}
export type RefundWorkflow = (input: RefundWorkflowInput) => Promise<RefundResult>;

export interface ReturnWorkflowInput {
  returnId: string;
  orderId: string;
  orderNumber: string;
  orderWorkflowId: string;
  lines: Array<{ sku: string; name: string; quantity: number }>;
}
/**
 * What a return workflow answers (its result, its query, its receive update):
 * how far the goods came back. Not domain/refunds.ts's ReturnState, the
 * return's state as the shop records it.
 */
export interface ReturnProgress {
  id: string;
  /** The order it belongs to (absent in runs started before it was added). */
  orderId?: string;
  state: 'requested' | 'received';
  receivedAt?: string | undefined;
}
export type ReturnWorkflow = (input: ReturnWorkflowInput) => Promise<ReturnProgress>;

/** The warehouse received the returned goods. */
export const receiveReturnUpdate = defineUpdate<ReturnProgress, []>('receiveReturn');
export const returnQuery = defineQuery<ReturnProgress>('return');
