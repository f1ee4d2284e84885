/**
 * The benchmark's baseline: the same client round trips and activity count as
 * an order, with no business logic, to measure what the Temporal server and
 * SDK alone cost on this machine.
 */
import { condition, defineQuery, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

export const baselineOpen = defineUpdate<number, []>('open');
export const baselineEdit = defineUpdate<number, []>('edit');
export const baselineCheckout = defineUpdate<number, []>('checkout');
export const baselinePaid = defineSignal('paid');
export const baselineValidate = defineUpdate<number, []>('validate');
export const baselineReady = defineQuery<boolean>('ready');

export async function baselineWorkflow(input: { activitiesAfterPayment: number }): Promise<number> {
  let edits = 0;
  let paid = false;
  let ready = false;
  let done = false;
  setHandler(baselineOpen, () => edits);
  setHandler(baselineEdit, () => ++edits);
  setHandler(baselineCheckout, async () => {
    await noop();
    return edits;
  });
  setHandler(baselinePaid, () => {
    paid = true;
  });
  setHandler(baselineReady, () => ready);
  setHandler(baselineValidate, async () => {
    await noop();
    done = true;
    return edits;
  });
  await condition(() => paid);
  for (let i = 0; i < input.activitiesAfterPayment; i++) await noop();
  ready = true;
  await condition(() => done);
  return edits;
}
