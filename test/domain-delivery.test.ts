/** A delivery's steps and the warehouse's Validate button, without any server. */
import { describe, expect, it } from 'vitest';
import {
  applyDeliveryCancel,
  applyReserved,
  applyStepDone,
  checkValidate,
  isStepDone,
  labelStep,
  newDelivery,
  stepsFor,
  type Delivery,
  type StepName,
} from '../domain/delivery.js';
import { DeliverySteps } from '../domain/settings.js';

const T0 = '2026-11-26T10:00:00.000Z';
const T1 = '2026-11-26T11:00:00.000Z';

function delivery(layout: DeliverySteps): Delivery {
  return newDelivery(
    {
      id: 'dlv_1',
      orderId: 'ord_1',
      orderNumber: 'S00001',
      steps: stepsFor(layout),
      lines: [{ sku: 'MUG', name: 'Blue mug', type: 'storable', quantity: 2 }],
      recipient: { name: 'Alex', email: 'alex@example.com', address: null },
    },
    T0,
  );
}

describe('step plans (Odoo one, two or three steps)', () => {
  it('ship_only ships; pick_ship picks then ships; pick_pack_ship picks, packs, ships', () => {
    expect(stepsFor(DeliverySteps.ship_only)).toEqual(['ship']);
    expect(stepsFor(DeliverySteps.pick_ship)).toEqual(['pick', 'ship']);
    expect(stepsFor(DeliverySteps.pick_pack_ship)).toEqual(['pick', 'pack', 'ship']);
  });

  it('prints the label when packing, or when shipping if nothing is packed separately', () => {
    expect(labelStep(stepsFor(DeliverySteps.pick_pack_ship))).toBe('pack');
    expect(labelStep(stepsFor(DeliverySteps.pick_ship))).toBe('ship');
    expect(labelStep(stepsFor(DeliverySteps.ship_only))).toBe('ship');
  });

  it('a new delivery waits for stock with every step waiting; the reservation readies the first step', () => {
    const d = delivery(DeliverySteps.pick_pack_ship);
    expect(d.state).toBe('waiting');
    expect(d.steps.map((s) => s.state)).toEqual(['waiting', 'waiting', 'waiting']);
    applyReserved(d, T1);
    expect(d.state).toBe('ready');
    expect(d.steps.map((s) => s.state)).toEqual(['ready', 'waiting', 'waiting']);
    expect(d.version).toBe(2);
  });
});

describe('checkValidate', () => {
  it('refuses anything before the goods are reserved', () => {
    const d = delivery(DeliverySteps.pick_ship);
    expect((checkValidate(d, {}) as { code: string }).code).toBe('stock_not_reserved');
    expect((checkValidate(d, { step: 'pick' }) as { code: string }).code).toBe('stock_not_reserved');
  });

  it('validates the current step, named or not, and refuses a later one or one the plan lacks', () => {
    const d = delivery(DeliverySteps.pick_pack_ship);
    applyReserved(d, T1);
    expect(checkValidate(d, {})).toBeNull();
    expect(checkValidate(d, { step: 'pick' })).toBeNull();
    const early = checkValidate(d, { step: 'ship' }) as { code: string; details: unknown };
    expect(early.code).toBe('step_out_of_order');
    expect(early.details).toEqual({ current: 'pick' });
    const shipOnly = delivery(DeliverySteps.ship_only);
    applyReserved(shipOnly, T1);
    expect((checkValidate(shipOnly, { step: 'pack' }) as { code: string }).code).toBe('step_out_of_order');
  });

  it('a named step already done is a harmless repeat, even once the delivery is done', () => {
    const d = delivery(DeliverySteps.pick_ship);
    applyReserved(d, T1);
    applyStepDone(d, T1);
    expect(checkValidate(d, { step: 'pick' })).toBe('already_done');
    applyStepDone(d, T1);
    expect(d.state).toBe('done');
    expect(checkValidate(d, { step: 'ship' })).toBe('already_done');
    // Unnamed, the same click is refused: nothing says it was meant for a step done.
    expect((checkValidate(d, {}) as { code: string }).code).toBe('delivery_closed');
  });

  it('refuses everything on a cancelled delivery', () => {
    const d = delivery(DeliverySteps.pick_ship);
    applyReserved(d, T1);
    applyStepDone(d, T1);
    applyDeliveryCancel(d, 'customer called', T1);
    expect((checkValidate(d, { step: 'pick' }) as { code: string }).code).toBe('delivery_closed');
    expect((checkValidate(d, {}) as { code: string }).code).toBe('delivery_closed');
  });
});

describe('isStepDone (the one "already done" rule, used by the workflow and the API)', () => {
  it('is true only for a named step whose state is done', () => {
    const d = delivery(DeliverySteps.pick_pack_ship);
    applyReserved(d, T1);
    applyStepDone(d, T1);
    expect(isStepDone(d, 'pick')).toBe(true);
    expect(isStepDone(d, 'pack')).toBe(false);
    expect(isStepDone(d, undefined)).toBe(false);
    expect(isStepDone({ steps: [{ name: 'ship' as StepName, state: 'done' }] }, 'ship')).toBe(true);
  });

  it('steps move in order to done, stamping each step and the delivery', () => {
    const d = delivery(DeliverySteps.pick_pack_ship);
    applyReserved(d, T0);
    expect(applyStepDone(d, T1).name).toBe('pick');
    expect(d.state).toBe('in_progress');
    expect(d.steps.map((s) => s.state)).toEqual(['done', 'ready', 'waiting']);
    applyStepDone(d, T1);
    applyStepDone(d, T1);
    expect(d.state).toBe('done');
    expect(d.doneAt).toBe(T1);
    expect(d.steps.every((s) => s.doneAt === T1)).toBe(true);
  });
});
