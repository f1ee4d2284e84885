/**
 * What every workflow of this worker shares: how a business refusal is
 * raised, the workflow's clock, and how activities are retried. Workflow code
 * only (deterministic: `Date` here is the workflow's clock).
 */
import { ActivityFailure, ApplicationFailure, getExternalWorkflowHandle, patched, proxyActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
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

/**
 * Calls that leave the worker (a payment provider, the email transport, the
 * carrier, an invoice number with its PDF, a stock request), for runs since
 * the patches of generation 2: first one attempt as a local activity, in the
 * workflow task that asked for it, so all the calls of one reaction are one
 * task and one billed action. Each is idempotent by its own key (the payment
 * reference, the email's idempotency key, the label key, the order), so the
 * ordinary activity that takes over when that attempt fails repeats nothing.
 * See {@link localFirst}.
 */
export const LOCAL_CALL: LocalActivityOptions = {
  // As long as an ordinary attempt, and longer than the clients' own timeouts (Resend's 15 s): the local attempt ends by
  // its client's answer or time-out, never abandoned while its request is still out (an abandoned attempt may report
  // late, after the activity that took over succeeded — found by the email-outage fault scenario).
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
};

/** A refusal the activity raised on purpose (non-retryable): another attempt would get the same answer. */
function refusedForGood(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable === true;
}

/**
 * The same calls, each tried once as a local activity and, when that attempt
 * fails for a reason that may pass (an outage, a timeout), handed to an
 * ordinary activity retried until done ({@link RETRIED_UNTIL_DONE}). Retrying
 * locally would hold the workflow task, and every message to the run, for the
 * whole outage (and bill a workflow-task heartbeat every few seconds); the
 * ordinary activity lets the run answer meanwhile. A business refusal is
 * thrown as it came.
 */
export function localFirst<T extends object>(local: T, remote: T): T {
  return new Proxy({} as T, {
    get:
      (_, name) =>
      async (...args: unknown[]) => {
        const call = (side: T) => (side as Record<string | symbol, (...a: unknown[]) => Promise<unknown>>)[name]!(...args);
        try {
          return await call(local);
        } catch (error) {
          if (refusedForGood(error)) throw error;
          return call(remote);
        }
      },
  });
}

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
  /**
   * The second generation of patches decided at start: a run that wrote it
   * takes every patch of generation 1 and 2. One marker per generation, and a
   * run writes only the newest it knows.
   */
  decidedAtStart2: 'patches-decided-at-start-2',
} as const;

/**
 * Which generation of patches decided at start this run took: 2 (the newest),
 * 1 (`patches-decided-at-start`), or 0 (a run started before either, which
 * asks `patched()` lazily, where the code reaches each patch). Call it in the
 * run's first workflow task; it writes one marker, the newest generation's,
 * in a new run (a run recorded before it replays the marker it wrote).
 */
export function patchGeneration(): 0 | 1 | 2 {
  if (patched(SHARED_PATCHES.decidedAtStart2)) return 2;
  return patched(SHARED_PATCHES.decidedAtStart) ? 1 : 0;
}

/**
 * A run's patch decisions. A run started since `patches-decided-at-start`
 * records one marker (its generation's) in its first workflow task and takes
 * every patched path of its generation without another marker. A run started
 * before it (no such marker: its history says so from the first task) asks
 * `patched()` where the code reaches each patch, as it did when it ran.
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
 * A patch added after a generation was released belongs to the next one
 * (`has(id, 2)`): a run of an earlier generation, still open when the worker
 * is upgraded, never takes it (it was recorded without it).
 *
 * Call `decide()` in the workflow's first task, before anything is awaited.
 */
export class Patches {
  private constructor(readonly generation: 0 | 1 | 2) {}
  static decide(): Patches {
    return new Patches(patchGeneration());
  }
  /** Whether this run takes the patched path of `id`, a patch of generation `since` (1: those of `patches-decided-at-start`). */
  has(id: string, since: 1 | 2 = 1): boolean {
    if (this.generation >= since) return true;
    // Generation-1 patches stay lazy for the runs from before any generation; later ones are never taken by older runs.
    return this.generation === 0 && since === 1 && patched(id);
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
