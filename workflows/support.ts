/**
 * What every workflow of this worker shares: how a business refusal is
 * raised, the workflow's clock, and how activities are retried. Workflow code
 * only (deterministic: `Date` here is the workflow's clock).
 */
import { ApplicationFailure, type ActivityOptions } from '@temporalio/workflow';
import type { DomainError } from '../domain/errors.js';

/**
 * Activities are retried until they succeed: an outage must delay an order,
 * never lose it. Business refusals are raised non-retryable by the activity
 * itself, so they end the retries at once.
 */
export const RETRIED_UNTIL_DONE: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** A business refusal: non-retryable, typed by its code so the API can map it to its status. */
export function refusal(problem: DomainError): ApplicationFailure {
  return ApplicationFailure.create({ type: problem.code, message: problem.message, details: [problem.details ?? null], nonRetryable: true });
}

/** Throws the refusal when there is a problem; validators call it with the result of a domain check. */
export function reject(problem: DomainError | null | undefined): void {
  if (problem) throw refusal(problem);
}

/** The workflow's time, as the domain functions take it. */
export function now(): string {
  return new Date().toISOString();
}
