/**
 * The API's way into Temporal, for every workflow it talks to (orders,
 * deliveries, returns): the client with its task queue and the projection
 * beside it, and how a message to a workflow run becomes the contract's
 * answer or error. Each workflow's own commands are in ./orders.ts,
 * ./deliveries.ts and ./returns.ts.
 */
import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/index.js';
import { DomainError, isErrorCode, type ErrorCode } from '../domain/errors.js';

export interface TemporalGateway {
  client: Client;
  taskQueue: string;
  db: Db;
}

/** Sends an update, signal or query to a workflow run; Temporal's failures come back in the contract's words. */
export async function sendToWorkflow<T>(send: () => Promise<T>, notFound: ErrorCode = 'order_not_found'): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw toDomainError(error, notFound);
  }
}

/**
 * Sends to a workflow's run; when the run is closed (or past retention) and so
 * reports `notFound`, `explainClosed` answers or explains from what remains —
 * a query, the projection — or returns nothing, and the not-found stands.
 */
export async function sendOrExplainClosed<T>(
  send: () => Promise<T>,
  notFound: ErrorCode,
  explainClosed: () => Promise<T | null | undefined>,
): Promise<T> {
  try {
    return await sendToWorkflow(send, notFound);
  } catch (error) {
    if (!(error instanceof DomainError && error.code === notFound)) throw error;
    const answer = await explainClosed();
    if (answer === null || answer === undefined) throw error;
    return answer;
  }
}

/** Temporal's failures in the contract's words; anything else is left as it is (a 500). */
export function toDomainError(error: unknown, notFound: ErrorCode = 'order_not_found'): unknown {
  const missing = { order_not_found: 'No such order.', delivery_not_found: 'No such delivery.', return_not_found: 'No such return.' }[notFound as string] ?? 'Not found.';
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && isErrorCode(error.cause.type)) {
    return new DomainError(error.cause.type, error.cause.message, error.cause.details?.[0] ?? undefined);
  }
  if (error instanceof WorkflowNotFoundError) return new DomainError(notFound, missing);
  if (error instanceof WorkflowExecutionAlreadyStartedError) return new DomainError('invalid_request', 'This cart already exists.');
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new DomainError('unavailable', 'The workflow did not answer in time; the change may still apply. Check with GET before repeating it.');
  }
  if (error instanceof ServiceError) {
    const code = (error.cause as { code?: number } | undefined)?.code;
    if (code === 5) return new DomainError(notFound, missing); // gRPC NOT_FOUND
    if (code === 14 || code === 4) return new DomainError('unavailable', 'The order service is unavailable; retry shortly.');
  }
  return error;
}
