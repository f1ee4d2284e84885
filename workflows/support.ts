/**
 * What every workflow of this worker shares: how a business refusal is
 * raised, the workflow's clock, and how activities are retried. Workflow code
 * only (deterministic: `Date` here is the workflow's clock).
 */
import { ApplicationFailure, getExternalWorkflowHandle, patched, proxyActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { StockActivities } from '../activities/stock.js';
import { deliveryIdOf } from '../domain/delivery.js';
import type { DomainError } from '../domain/errors.js';
import { deliveryWorkflowId, stockReservedSignal } from './delivery-contract.js';

/**
 * Activities are retried until they succeed: an outage must delay an order,
 * never lose it. Business refusals are raised non-retryable by the activity
 * itself, so they end the retries at once.
 */
export const RETRIED_UNTIL_DONE: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * Short database writes (a projection, a stock change, a plan read), run as
 * local activities: each is idempotent and takes milliseconds, so it runs in
 * the workflow task that asked for it — all of one task's local activities are
 * one billed action and one marker event each, against three events, a
 * workflow task and an action per ordinary activity. Retried until done like
 * the others; past a minute between attempts the SDK waits with a timer.
 */
export const SHORT_WRITE: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
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

/** Patch ids shared by several workflows. */
export const SHARED_PATCHES = {
  /** Deliveries waiting for stock are woken by the one activity the API also uses, not by signals sent from here. */
  wakeByActivity: 'wake-deliveries-by-activity',
  /** Every patch a workflow checks is on for this run: decided once, in its first workflow task (see {@link Patches}). */
  decidedAtStart: 'patches-decided-at-start',
} as const;

/**
 * A run's patch decisions. A run started since `patches-decided-at-start`
 * records that one marker in its first workflow task and takes every patched
 * path without another marker. A run started before it (no such marker: its
 * history says so from the first task) asks `patched()` where the code
 * reaches each patch, as it did when it ran.
 *
 * Why: a `patched()` reached right after a local activity resolved is not
 * replay-safe. Live, the result may arrive in a workflow task of its own, and
 * the patch marker is written there; on replay, the result is read from the
 * marker in the earlier task, the code reaches `patched()` one task early,
 * before the worker has seen that task's patch marker, and the run fails with
 * "Non-deprecated patch marker encountered" (found by the CI replay of a live
 * namespace: the `invoices` patch after the projection, a local activity).
 * Deciding in the first task, before any activity, cannot meet that. It also
 * writes one marker per run instead of one per patch.
 *
 * Call `decide()` in the workflow's first task, before anything is awaited.
 */
export class Patches {
  private constructor(private readonly current: boolean) {}
  static decide(): Patches {
    return new Patches(patched(SHARED_PATCHES.decidedAtStart));
  }
  /** Whether this run takes the patched path of `id`. */
  has(id: string): boolean {
    return this.current || patched(id);
  }
}

const { wakeDeliveriesWaitingForStock: wakeByActivity } = proxyActivities<StockActivities>(RETRIED_UNTIL_DONE);

/**
 * The orders whose reservations a stock change just made: their deliveries,
 * waiting for stock, are told at once (otherwise their periodic recheck would
 * find the reservation later). One rule for every caller: the delivery that
 * released stock, the return that put goods back, the API's restock.
 */
export async function wakeDeliveriesWaitingForStock(orderIds: readonly string[], patches: Patches): Promise<void> {
  if (orderIds.length === 0) return;
  if (patches.has(SHARED_PATCHES.wakeByActivity)) {
    await wakeByActivity([...orderIds]);
    return;
  }
  // Runs recorded before the patch signalled each delivery from the workflow.
  for (const orderId of orderIds) {
    try {
      await getExternalWorkflowHandle(deliveryWorkflowId(deliveryIdOf(orderId))).signal(stockReservedSignal);
    } catch {
      // Its delivery is gone; its periodic recheck would have found the reservation anyway.
    }
  }
}
