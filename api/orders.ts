/**
 * The API's side of the order workflows: starts them, sends them updates and
 * signals, and queries them, through the Temporal gateway. The rules
 * themselves live in the domain and run in the workflow.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { reminderPolicyOf, type ReminderPolicy } from '../domain/abandoned-cart.js';
import type { ProductSnapshot } from '../domain/catalog.js';
import { rateOf, type TaxSettings } from '../domain/tax.js';
import { DomainError } from '../domain/errors.js';
import {
  checkNewQuotation,
  checkPaymentRecordable,
  newQuotation,
  type Cancel,
  type Confirm,
  type Contact,
  type Customer,
  type NewQuotation,
  type Order,
  type PaymentEvent,
  type PaymentMethod,
  type RecordPayment,
} from '../domain/order.js';
import type { ChosenShipping } from '../domain/shipping.js';
import type { Db } from '../db/index.js';
import { allocateOrderNumber, getOrderSummary, listOpenQuotationIds, type OrderSummary } from '../db/orders.js';
import { getProductsBySku } from '../db/products.js';
import { assignNewOrder } from '../db/sales.js';
import { getSettings } from '../db/settings.js';
import {
  ORDER_WORKFLOW_TYPE,
  addLineUpdate,
  cancelUpdate,
  checkoutUpdate,
  confirmUpdate,
  initialSearchAttributePairs,
  openCartUpdate,
  orderQuery,
  orderWorkflowId,
  paymentEventSignal,
  recordPaymentUpdate,
  reminderPolicySignal,
  removeLineUpdate,
  setContactUpdate,
  setLineQuantityUpdate,
  setShippingMethodUpdate,
  type CheckoutResult,
  type OrderWorkflow,
  type OrderWorkflowInput,
  orderSummaryText,
} from '../workflows/order-contract.js';
import { sendOrExplainClosed, sendToWorkflow, toDomainError, type TemporalGateway } from './temporal-gateway.js';

/** Opaque, unguessable ids: 128 random bits, or derived from a client's idempotency key. */
function newOrderId(idempotencyKey?: string): string {
  const bytes = idempotencyKey ? createHash('sha256').update(`cart:${idempotencyKey}`).digest().subarray(0, 16) : randomBytes(16);
  return `ord_${bytes.toString('base64url')}`;
}

/** Each product as a line keeps it: its price, and the rate of its tax class in the shop's settings now (the line keeps that rate). */
async function snapshots(db: Db, skus: string[], taxes: TaxSettings): Promise<Map<string, ProductSnapshot>> {
  const products = await getProductsBySku(db, [...new Set(skus)]);
  const missing = skus.filter((sku) => !products.has(sku));
  if (missing.length) {
    throw new DomainError('unknown_product', `Unknown product: ${missing.join(', ')}.`, { skus: [...new Set(missing)] });
  }
  return new Map(
    [...products.values()].map((p) => [p.sku, { sku: p.sku, name: p.name, unitPrice: p.price, currency: p.currency, type: p.type, taxRate: rateOf(taxes, p.taxClass) }]),
  );
}

export interface OpenCartInput {
  lines?: Array<{ sku: string; quantity: number }> | undefined;
  customer?: Partial<Customer> | undefined;
}

/**
 * Creates the quotation: starts the order workflow and answers with its first
 * state in one round trip (update-with-start). With an idempotency key a
 * retried request finds the cart it created.
 */
export async function openCart(gateway: TemporalGateway, input: OpenCartInput, idempotencyKey?: string): Promise<Order> {
  const { db, client, taskQueue } = gateway;
  const lines = input.lines ?? [];
  // The settings and then the salesperson, alongside the products and the order number.
  const shopSettings = getSettings(db);
  const settingsAndAssignment = shopSettings.then(async (settings) => ({ settings, ...(await assignNewOrder(db, settings)) }));
  const [{ settings, salesTeam, salesperson }, products, number] = await Promise.all([
    settingsAndAssignment,
    shopSettings.then((s) => snapshots(db, lines.map((l) => l.sku), s.taxes)),
    allocateOrderNumber(db),
  ]);
  const quotation: NewQuotation = {
    id: newOrderId(idempotencyKey),
    number,
    accessToken: randomBytes(24).toString('base64url'),
    currency: settings.currency,
    customer: { email: input.customer?.email, name: input.customer?.name, loggedIn: input.customer?.loggedIn ?? false },
    salesTeam,
    salesperson,
    lines: lines.map((l) => ({ product: products.get(l.sku)!, quantity: l.quantity })),
    pricesIncludeTax: settings.taxes.pricesIncludeTax,
    autoInvoice: settings.autoInvoice,
  };
  const problem = checkNewQuotation(quotation);
  if (problem) throw problem;

  const preview = newQuotation(quotation, new Date().toISOString()).order;
  const args: [OrderWorkflowInput] = [{ kind: 'new', quotation, policy: reminderPolicyOf(settings.abandonedCart) }];
  const startWorkflowOperation = new WithStartWorkflowOperation<OrderWorkflow>(ORDER_WORKFLOW_TYPE, {
    workflowId: orderWorkflowId(quotation.id),
    taskQueue,
    args,
    workflowIdConflictPolicy: idempotencyKey ? 'USE_EXISTING' : 'FAIL',
    typedSearchAttributes: initialSearchAttributePairs(preview),
    staticSummary: orderSummaryText(preview),
  });
  return sendToWorkflow(() => client.workflow.executeUpdateWithStart(openCartUpdate, { startWorkflowOperation }));
}

function orderWorkflow(gateway: TemporalGateway, orderId: string) {
  return gateway.client.workflow.getHandle(orderWorkflowId(orderId));
}

export async function addLine(gateway: TemporalGateway, orderId: string, line: { sku: string; quantity: number }): Promise<Order> {
  const { taxes } = await getSettings(gateway.db);
  const product = (await snapshots(gateway.db, [line.sku], taxes)).get(line.sku)!;
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(addLineUpdate, { args: [{ product, quantity: line.quantity }] }));
}

export function setLineQuantity(gateway: TemporalGateway, orderId: string, sku: string, quantity: number): Promise<Order> {
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(setLineQuantityUpdate, { args: [{ sku, quantity }] }));
}

export function removeLine(gateway: TemporalGateway, orderId: string, sku: string): Promise<Order> {
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(removeLineUpdate, { args: [{ sku }] }));
}

export function setContact(gateway: TemporalGateway, orderId: string, contact: Contact): Promise<Order> {
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(setContactUpdate, { args: [contact] }));
}

/**
 * `acceptedMethods`: the methods the shop takes now; the workflow's validator refuses the others (domain/payment-methods.ts).
 * `offeredShippingMethods`: the ids of the shipping methods offered now; when there are any, the cart must have one of them.
 */
export function checkout(
  gateway: TemporalGateway,
  orderId: string,
  paymentMethod: PaymentMethod,
  acceptedMethods?: PaymentMethod[],
  offeredShippingMethods?: string[],
): Promise<CheckoutResult> {
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(checkoutUpdate, { args: [{ paymentMethod, acceptedMethods, offeredShippingMethods }] }));
}

export function setShippingMethod(gateway: TemporalGateway, orderId: string, choice: ChosenShipping): Promise<Order> {
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(setShippingMethodUpdate, { args: [choice] }));
}

export function confirm(gateway: TemporalGateway, orderId: string, request: Confirm): Promise<Order> {
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(confirmUpdate, { args: [request] }));
}

/** Money received by hand on a confirmed offline order (the workflow applies domain/order.ts checkRecordPayment). */
export function recordPayment(gateway: TemporalGateway, orderId: string, request: RecordPayment): Promise<Order> {
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(recordPaymentUpdate, { args: [request] }), checkPaymentRecordable);
}

export function cancel(gateway: TemporalGateway, orderId: string, request: Cancel): Promise<Order> {
  return updateOrder(gateway, orderId, () => orderWorkflow(gateway, orderId).executeUpdate(cancelUpdate, { args: [request] }));
}

export function getOrder(gateway: TemporalGateway, orderId: string): Promise<Order> {
  return sendToWorkflow(() => orderWorkflow(gateway, orderId).query(orderQuery));
}

export function forwardPaymentEvent(gateway: TemporalGateway, orderId: string, event: PaymentEvent): Promise<void> {
  return sendToWorkflow(() => orderWorkflow(gateway, orderId).signal(paymentEventSignal, event));
}

/**
 * The shop changed its abandoned-cart settings: every open quotation takes the
 * new policy at once (its idle timer is re-armed). Signals are idempotent (the
 * policy replaces the old one), so a retried settings change is harmless.
 */
export async function applyReminderPolicyToOpenCarts(gateway: TemporalGateway, policy: ReminderPolicy): Promise<number> {
  const ids = await listOpenQuotationIds(gateway.db);
  let next = 0;
  const signalNext = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        await orderWorkflow(gateway, id).signal(reminderPolicySignal, policy);
      } catch (error) {
        // A quotation that closed meanwhile needs no policy.
        if (!(toDomainError(error) instanceof DomainError)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, ids.length) }, signalNext));
  return ids.length;
}

/**
 * An update to a closed order's workflow reaches no handler: say it as the
 * state conflict it is — the update's own rule when it can be asked of the
 * order's row (`closedCheck`), else that the order is closed.
 */
export function updateOrder<T>(gateway: TemporalGateway, orderId: string, send: () => Promise<T>, closedCheck?: (order: OrderSummary) => DomainError | null): Promise<T> {
  return sendOrExplainClosed(send, 'order_not_found', async () => {
    const order = await getOrderSummary(gateway.db, orderId);
    const refusal = order && closedCheck?.(order);
    if (refusal) throw refusal;
    if (order) throw new DomainError('cart_not_editable', `Order ${order.number} is closed (${order.state}).`, { state: order.state });
    return null;
  });
}
