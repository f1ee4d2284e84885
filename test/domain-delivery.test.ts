/** A delivery's steps and the warehouse's Validate button, without any server. */
import { describe, expect, it } from 'vitest';
import {
  applyDeliveryCancel,
  applyReserved,
  applyStepDone,
  backorderIdOf,
  backorderStockKeyOf,
  checkValidate,
  deliveryIdOf,
  isStepDone,
  labelStep,
  newDelivery,
  splitBackorder,
  stepsFor,
  summarizeDeliveryPhases,
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

describe('backorders (shipping policy as_soon_as_possible)', () => {
  const tee = { sku: 'TEE', name: 'Tee', type: 'storable' as const, quantity: 5 };
  const mug = { sku: 'MUG', name: 'Mug', type: 'storable' as const, quantity: 2 };
  const wrap = { sku: 'WRAP', name: 'Gift wrap', type: 'service' as const, quantity: 1 };

  it('ships what is in stock now and backorders the rest, line by line; lines needing no stock go now', () => {
    const stock = new Map([
      ['TEE', 3],
      ['MUG', 10],
    ]);
    expect(splitBackorder([tee, mug, wrap], (sku) => stock.get(sku) ?? 0)).toEqual({
      now: [{ ...tee, quantity: 3 }, mug, wrap],
      later: [{ ...tee, quantity: 2 }],
    });
  });

  it('a product with nothing available goes wholly to the backorder', () => {
    expect(splitBackorder([tee, mug], (sku) => (sku === 'MUG' ? 2 : 0))).toEqual({ now: [mug], later: [tee] });
  });

  it('nothing to split when everything is there, or none of the stock is (one delivery, as when_all_ready)', () => {
    expect(splitBackorder([tee, mug], () => 100)).toBeNull();
    expect(splitBackorder([tee, mug, wrap], () => 0)).toBeNull();
    expect(splitBackorder([wrap], () => 0)).toBeNull();
  });

  it('never takes more than what is available, nor a negative amount', () => {
    expect(splitBackorder([tee], () => -4)).toBeNull();
    expect(splitBackorder([tee], () => 4.7)).toEqual({ now: [{ ...tee, quantity: 4 }], later: [{ ...tee, quantity: 1 }] });
  });

  it("the backorder's id and stock key follow the order's, and waking goes from the key to the delivery", () => {
    expect(backorderStockKeyOf('ord_abc')).toBe('ord_abc-backorder');
    expect(backorderIdOf('ord_abc')).toBe('dlv_abc-backorder');
    expect(deliveryIdOf(backorderStockKeyOf('ord_abc'))).toBe(backorderIdOf('ord_abc'));
    expect(backorderIdOf('ord_abc')).not.toBe(deliveryIdOf('ord_abc'));
  });

  it("the order's state summarises both deliveries", () => {
    expect(summarizeDeliveryPhases(['waiting', 'waiting'])).toBe('waiting');
    expect(summarizeDeliveryPhases(['ready', 'waiting'])).toBe('ready');
    expect(summarizeDeliveryPhases(['in_progress', 'waiting'])).toBe('in_progress');
    // Part of the goods left, the rest waits: in progress, not done.
    expect(summarizeDeliveryPhases(['done', 'waiting'])).toBe('in_progress');
    expect(summarizeDeliveryPhases(['done', 'ready'])).toBe('in_progress');
    expect(summarizeDeliveryPhases(['done', 'done'])).toBe('done');
    expect(summarizeDeliveryPhases(['done', 'cancel'])).toBe('done');
    expect(summarizeDeliveryPhases(['cancel', 'cancel'])).toBe('cancel');
    expect(summarizeDeliveryPhases(['cancel', 'waiting'])).toBe('waiting');
  });

  it('a backorder records which delivery it completes', () => {
    const d = newDelivery({ id: 'dlv_1-backorder', orderId: 'ord_1', orderNumber: 'S1', steps: ['ship'], lines: [tee], recipient: { name: null, email: null, address: null }, backorderOf: 'dlv_1' }, T0);
    expect(d.backorderOf).toBe('dlv_1');
    expect(newDelivery({ id: 'dlv_1', orderId: 'ord_1', orderNumber: 'S1', steps: ['ship'], lines: [tee], recipient: { name: null, email: null, address: null } }, T0)).not.toHaveProperty('backorderOf');
  });
});
