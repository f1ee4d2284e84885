/**
 * A delivery order: its steps (Odoo's one, two or three), their order, and
 * what validating one means. Pure, like the order's rules.
 */
import { tracksStock, type ProductType } from './catalog.js';
import { DomainError } from './errors.js';
import type { Address } from './order.js';
import type { Parcel, ParcelSplit } from './parcels.js';
import { DeliverySteps } from './settings.js';

export const StepName = { pick: 'pick', pack: 'pack', ship: 'ship' } as const;
export type StepName = (typeof StepName)[keyof typeof StepName];

/** Where a delivery order stands in its own workflow (not the order's `DeliveryState`, which also says `none`). */
export const DeliveryPhase = { waiting: 'waiting', ready: 'ready', in_progress: 'in_progress', done: 'done', cancel: 'cancel' } as const;
export type DeliveryPhase = (typeof DeliveryPhase)[keyof typeof DeliveryPhase];

/** A step's own progress, inside its delivery's. */
export const StepState = { waiting: 'waiting', ready: 'ready', done: 'done' } as const;
export type StepState = (typeof StepState)[keyof typeof StepState];

export function stepsFor(layout: DeliverySteps): StepName[] {
  switch (layout) {
    case DeliverySteps.ship_only:
      return [StepName.ship];
    case DeliverySteps.pick_ship:
      return [StepName.pick, StepName.ship];
    case DeliverySteps.pick_pack_ship:
      return [StepName.pick, StepName.pack, StepName.ship];
  }
}

/** The step at which the shipping label is printed: packing, or shipping when nothing is packed separately. */
export function labelStep(steps: StepName[]): StepName {
  return steps.includes(StepName.pack) ? StepName.pack : StepName.ship;
}

export interface DeliveryLine {
  sku: string;
  name: string;
  type: ProductType;
  quantity: number;
}

export interface Recipient {
  name: string | null;
  email: string | null;
  address: Address | null;
}

export interface DeliveryStep {
  name: StepName;
  state: StepState;
  doneAt?: string | undefined;
}

export interface Delivery {
  id: string;
  orderId: string;
  orderNumber: string;
  state: DeliveryPhase;
  steps: DeliveryStep[];
  lines: DeliveryLine[];
  recipient: Recipient;
  trackingNumber?: string | undefined;
  carrier?: string | undefined;
  /** Set at the label step (runs from before parcels have none: their one label is `trackingNumber`). */
  parcels?: Parcel[] | undefined;
  /** A backorder: the id of its order's first delivery (shipping policy as_soon_as_possible). */
  backorderOf?: string | undefined;
  createdAt: string;
  updatedAt: string;
  doneAt?: string | undefined;
  cancelReason?: string | undefined;
  version: number;
}

export interface NewDelivery {
  id: string;
  orderId: string;
  orderNumber: string;
  steps: StepName[];
  lines: DeliveryLine[];
  recipient: Recipient;
  backorderOf?: string | undefined;
}

function touch(d: Delivery, now: string): void {
  d.updatedAt = now;
  d.version += 1;
}

export function newDelivery(input: NewDelivery, now: string): Delivery {
  return {
    id: input.id,
    orderId: input.orderId,
    orderNumber: input.orderNumber,
    state: DeliveryPhase.waiting,
    steps: input.steps.map((name) => ({ name, state: 'waiting' })),
    lines: input.lines,
    recipient: input.recipient,
    ...(input.backorderOf ? { backorderOf: input.backorderOf } : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

export function currentStep(d: Delivery): DeliveryStep | undefined {
  return d.steps.find((s) => s.state !== 'done');
}

/** The goods are reserved: the first step can be done. */
export function applyReserved(d: Delivery, now: string): void {
  if (d.state !== DeliveryPhase.waiting) return;
  d.state = DeliveryPhase.ready;
  d.steps[0]!.state = 'ready';
  touch(d, now);
}

export interface Validate {
  /** The step the warehouse means to validate; naming it makes a repeated request harmless. */
  step?: StepName | undefined;
  /** At the label step: how the goods are split into parcels (absent: one parcel). */
  parcels?: ParcelSplit['parcels'] | undefined;
}

/**
 * The warehouse named a step that is done already: its Validate is a repeat
 * (a double click, a retried request) and changes nothing.
 */
export function isStepDone(d: { steps: ReadonlyArray<Pick<DeliveryStep, 'name' | 'state'>> }, step: StepName | undefined): boolean {
  return step !== undefined && d.steps.some((s) => s.name === step && s.state === StepState.done);
}

/** null: validate the current step; 'already_done': a repeat of a step done, no effect. */
export function checkValidate(d: Delivery, input: Validate): DomainError | 'already_done' | null {
  if (d.state === DeliveryPhase.cancel) return new DomainError('delivery_closed', `Delivery for ${d.orderNumber} is cancelled.`);
  if (input.step) {
    if (!d.steps.some((s) => s.name === input.step)) {
      return new DomainError('step_out_of_order', `Delivery for ${d.orderNumber} has no ${input.step} step (steps: ${d.steps.map((s) => s.name).join(', ')}).`);
    }
    if (isStepDone(d, input.step)) return 'already_done';
  }
  if (d.state === DeliveryPhase.done) return new DomainError('delivery_closed', `Delivery for ${d.orderNumber} is done.`);
  if (d.state === DeliveryPhase.waiting) {
    return new DomainError('stock_not_reserved', `Delivery for ${d.orderNumber} is waiting for stock: nothing can be validated until the goods are reserved.`);
  }
  const current = currentStep(d)!;
  if (input.step && input.step !== current.name) {
    return new DomainError('step_out_of_order', `The ${current.name} step of ${d.orderNumber} comes first.`, { current: current.name });
  }
  return null;
}

export function applyStepDone(d: Delivery, now: string): DeliveryStep {
  const step = currentStep(d)!;
  step.state = 'done';
  step.doneAt = now;
  const next = currentStep(d);
  if (next) {
    next.state = 'ready';
    d.state = DeliveryPhase.in_progress;
  } else {
    d.state = DeliveryPhase.done;
    d.doneAt = now;
  }
  touch(d, now);
  return step;
}

export function applyLabel(d: Delivery, label: { trackingNumber: string; carrier: string }, now: string): void {
  d.trackingNumber = label.trackingNumber;
  d.carrier = label.carrier;
  touch(d, now);
}

export function applyDeliveryCancel(d: Delivery, reason: string | undefined, now: string): void {
  d.state = DeliveryPhase.cancel;
  d.cancelReason = reason;
  touch(d, now);
}

/**
 * Delivery ids follow their stock holder's: the order's id for its (first)
 * delivery, {@link backorderStockKeyOf} for its backorder. Waking a delivery
 * that waits for stock goes from the holder to the delivery through it.
 */
export function deliveryIdOf(orderId: string): string {
  return `dlv_${orderId.replace(/^ord_/, '')}`;
}

// ---------------------------------------------------------------- backorders (shipping policy)

/**
 * The key a backorder's stock is reserved under (the first delivery's is the
 * order id). Order ids have a fixed length, so the suffix cannot collide.
 */
export function backorderStockKeyOf(orderId: string): string {
  return `${orderId}-backorder`;
}

/** The backorder delivery of an order: `dlv_<order>-backorder`. */
export function backorderIdOf(orderId: string): string {
  return deliveryIdOf(backorderStockKeyOf(orderId));
}

export interface BackorderSplit {
  /** What ships now: every unit in stock for this order, and the lines that need no stock. */
  now: DeliveryLine[];
  /** What the backorder waits for. */
  later: DeliveryLine[];
}

/**
 * Shipping policy `as_soon_as_possible`: what can go now and what waits.
 * `availableFor(sku)` is what this order may take of a tracked product now
 * (the caller leaves out what earlier waiting orders hold: first come, first
 * served). Null when there is nothing to split — everything is there (one
 * delivery, reserved at once) or none of the stock is (one delivery that waits,
 * as with `when_all_ready`).
 */
export function splitBackorder(lines: readonly DeliveryLine[], availableFor: (sku: string) => number): BackorderSplit | null {
  const now: DeliveryLine[] = [];
  const later: DeliveryLine[] = [];
  let someStockNow = false;
  for (const line of lines) {
    if (!tracksStock(line.type) || line.quantity <= 0) {
      now.push(line);
      continue;
    }
    const take = Math.max(0, Math.min(line.quantity, Math.floor(availableFor(line.sku))));
    if (take > 0) {
      now.push({ ...line, quantity: take });
      someStockNow = true;
    }
    if (take < line.quantity) later.push({ ...line, quantity: line.quantity - take });
  }
  if (later.length === 0 || !someStockNow) return null;
  return { now, later };
}

/**
 * The order's one delivery state over its deliveries (the first and its
 * backorder): cancelled ones count only when all are; all the rest done is
 * done; else the furthest along of those still open (in progress, ready,
 * waiting) — and a delivery done beside one still waiting is in progress
 * (part of the goods left).
 */
export function summarizeDeliveryPhases(phases: readonly string[]): DeliveryPhase {
  const live = phases.filter((p) => p !== DeliveryPhase.cancel);
  if (live.length === 0) return DeliveryPhase.cancel;
  const open = live.filter((p) => p !== DeliveryPhase.done);
  if (open.length === 0) return DeliveryPhase.done;
  if (open.includes(DeliveryPhase.in_progress) || open.length < live.length) return DeliveryPhase.in_progress;
  if (open.includes(DeliveryPhase.ready)) return DeliveryPhase.ready;
  return DeliveryPhase.waiting;
}
