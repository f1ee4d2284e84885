/** The return policy and the refund rules, without any server. */
import { describe, expect, it } from 'vitest';
import { returnableByDefault, type ProductSnapshot } from '../domain/catalog.js';
import {
  applyCheckout,
  applyDeliveryCreated,
  applyDeliveryNews,
  applyPaymentEvent,
  checkCancel,
  newQuotation,
  type DeliveryNews,
  type Order,
  type Payment,
  type PaymentMethod,
} from '../domain/order.js';
import {
  applyLatePaymentRefundRequested,
  applyLatePaymentRefundSettled,
  applyProviderCancelled,
  applyRefundRequested,
  applyRefundSettled,
  latePaymentToRefund,
  paymentToCancelAtProvider,
  applyReturnRequested,
  canRefundAutomatically,
  checkRefund,
  checkReturn,
  isReturnable,
  refundableAmount,
  refundsInSettlementOrder,
  returnableQuantities,
  returnAllowance,
  SupportRefund,
  type Refund,
  type ReturnRequest,
} from '../domain/refunds.js';
import { DEFAULT_RETURN_WINDOW_DAYS, DEFAULT_SETTINGS, returnWindowDaysOf } from '../domain/settings.js';

const ORDERED = '2026-11-02T09:00:00.000Z';
const PAID = '2026-11-02T09:05:00.000Z';
const DELIVERED = '2026-11-03T15:00:00.000Z';
const DAY = 86_400_000;
const daysAfterDelivery = (days: number) => new Date(Date.parse(DELIVERED) + days * DAY).toISOString();

const mug: ProductSnapshot = { sku: 'MUG', name: 'Blue mug', unitPrice: 1290, currency: 'EUR', type: 'storable' };
const poster: ProductSnapshot = { sku: 'POSTER', name: 'Poster', unitPrice: 900, currency: 'EUR', type: 'storable' };
const wrap: ProductSnapshot = { sku: 'WRAP', name: 'Gift wrapping', unitPrice: 350, currency: 'EUR', type: 'service' };
const CATALOG: ReturnRequest['catalog'] = {
  MUG: { returnable: true, type: 'storable' },
  POSTER: { returnable: false, type: 'storable' },
  WRAP: { returnable: true, type: 'service' },
};

/** Two mugs, a poster and gift wrapping (total 38.30), paid by `method` whose provider refunds as `support` says. */
function paidOrder(support: SupportRefund = SupportRefund.partial, method: PaymentMethod = 'card'): Order {
  const { order } = newQuotation(
    {
      id: 'ord_1',
      number: 'S00001',
      accessToken: 'tok',
      currency: 'EUR',
      customer: { loggedIn: false },
      salesTeam: 'Website',
      salesperson: null,
      lines: [
        { product: mug, quantity: 2 },
        { product: poster, quantity: 1 },
        { product: wrap, quantity: 1 },
      ],
    },
    ORDERED,
  );
  order.contact = { email: 'alex@example.com' };
  const payment: Payment = { reference: 'pay_1', method, amount: order.total, currency: 'EUR', status: 'pending', supportRefund: support };
  applyCheckout(order, payment, ORDERED);
  applyPaymentEvent(order, { eventId: 'evt_1', type: 'payment.succeeded', reference: 'pay_1', amount: order.total, currency: 'EUR' }, PAID);
  return order;
}

function delivered(order: Order, returnWindowDays?: number): Order {
  applyDeliveryCreated(order, { id: 'dlv_1', doneEmail: true, ...(returnWindowDays !== undefined ? { returnWindowDays } : {}) }, PAID);
  applyDeliveryNews(order, { deliveryId: 'dlv_1', event: 'done', state: 'done' }, DELIVERED);
  return order;
}

function refund(id: string, amount: number, status: Refund['status'] = 'pending'): Refund {
  return { id, amount, currency: 'EUR', paymentReference: 'pay_1', status, requestedAt: PAID };
}

const returning = (lines: ReturnRequest['lines'], returnWindowDays = 30): ReturnRequest => ({ lines, catalog: CATALOG, returnWindowDays });

describe('refundableAmount', () => {
  it('is nothing before the payment succeeds', () => {
    const { order } = newQuotation(
      { id: 'ord_2', number: 'S00002', accessToken: 't', currency: 'EUR', customer: { loggedIn: false }, salesTeam: 'Website', salesperson: null, lines: [{ product: mug, quantity: 1 }] },
      ORDERED,
    );
    expect(refundableAmount(order)).toBe(0);
  });

  it('refund emails follow the order refunds succeed in: the n-th email is for the n-th success, whichever was asked first', () => {
    const order = paidOrder();
    applyRefundRequested(order, refund('rf_1', 1000), PAID);
    applyRefundRequested(order, refund('rf_2', 500), PAID);
    applyRefundRequested(order, refund('rf_3', 200), PAID);
    // The provider answers the second first: the first email is for it.
    applyRefundSettled(order, { refundId: 'rf_2', status: 'succeeded' }, '2026-11-02T10:00:00.000Z');
    const emailed = [refundsInSettlementOrder(order)[0]!.id];
    applyRefundSettled(order, { refundId: 'rf_3', status: 'failed', reason: 'card expired' }, '2026-11-02T10:01:00.000Z');
    applyRefundSettled(order, { refundId: 'rf_1', status: 'succeeded' }, '2026-11-02T10:02:00.000Z');
    emailed.push(refundsInSettlementOrder(order)[1]!.id);
    expect(emailed).toEqual(['rf_2', 'rf_1']);
    // Two that succeed at the same instant keep the order they were asked in.
    const same = paidOrder();
    applyRefundRequested(same, refund('rf_a', 100), PAID);
    applyRefundRequested(same, refund('rf_b', 100), PAID);
    applyRefundSettled(same, { refundId: 'rf_b', status: 'succeeded' }, DELIVERED);
    applyRefundSettled(same, { refundId: 'rf_a', status: 'succeeded' }, DELIVERED);
    expect(refundsInSettlementOrder(same).map((r) => r.id)).toEqual(['rf_a', 'rf_b']);
  });

  it('is what was paid, minus refunds pending or done, but not those the provider refused', () => {
    const order = paidOrder();
    expect(order.total).toBe(3830);
    expect(refundableAmount(order)).toBe(3830);
    applyRefundRequested(order, refund('rf_1', 1000), PAID);
    expect(refundableAmount(order)).toBe(2830);
    applyRefundRequested(order, refund('rf_2', 500), PAID);
    applyRefundSettled(order, { refundId: 'rf_2', status: 'failed', reason: 'card expired' }, PAID);
    expect(refundableAmount(order)).toBe(2830);
    applyRefundSettled(order, { refundId: 'rf_1', status: 'succeeded', providerRefundId: 're_1' }, PAID);
    expect(refundableAmount(order)).toBe(2830);
    expect(order.paymentState).toBe('partially_refunded');
  });
});

describe('checkRefund', () => {
  it('refuses an order with no payment received', () => {
    const order = paidOrder();
    order.payments[0]!.status = 'pending';
    expect(checkRefund(order, {})?.code).toBe('nothing_to_refund');
  });

  it('sends a payment whose provider does not refund to a bank transfer by hand', () => {
    const problem = checkRefund(paidOrder(SupportRefund.none, 'wire_transfer'), {});
    expect(problem?.code).toBe('refund_not_supported');
    expect(problem?.message).toContain('wire transfer');
    expect(problem?.details).toEqual({ method: 'wire_transfer' });
  });

  it('takes everything still refundable when no amount is given, and nothing more', () => {
    const order = paidOrder();
    expect(checkRefund(order, {})).toBeNull();
    expect(checkRefund(order, { amount: 3830 })).toBeNull();
    const tooMuch = checkRefund(order, { amount: 3831 });
    expect(tooMuch?.code).toBe('refund_exceeds_paid');
    expect(tooMuch?.details).toEqual({ remaining: 3830 });
  });

  it('refuses amounts that are not a positive whole number of cents', () => {
    const order = paidOrder();
    expect(checkRefund(order, { amount: 0 })?.code).toBe('invalid_request');
    expect(checkRefund(order, { amount: -5 })?.code).toBe('invalid_request');
    expect(checkRefund(order, { amount: 10.5 })?.code).toBe('invalid_request');
  });

  it('refuses once everything was refunded', () => {
    const order = paidOrder();
    applyRefundRequested(order, refund('rf_1', 3830), PAID);
    expect(checkRefund(order, {})?.code).toBe('nothing_to_refund');
  });

  it('a full_only provider refunds the whole payment at once, never a part', () => {
    const order = paidOrder(SupportRefund.full_only);
    expect(checkRefund(order, {})).toBeNull();
    expect(checkRefund(order, { amount: 1000 })?.code).toBe('partial_refund_not_supported');
    // Once anything was refunded (by hand, say), not even the rest can go back through it.
    applyRefundRequested(order, refund('rf_1', 1000), PAID);
    expect(checkRefund(order, {})?.code).toBe('partial_refund_not_supported');
  });

  it('decides whether a return is refunded automatically', () => {
    expect(canRefundAutomatically(paidOrder(SupportRefund.partial), 1290)).toBe(true);
    expect(canRefundAutomatically(paidOrder(SupportRefund.full_only), 1290)).toBe(false);
    expect(canRefundAutomatically(paidOrder(SupportRefund.full_only), 3830)).toBe(true);
    expect(canRefundAutomatically(paidOrder(SupportRefund.none, 'pay_in_store'), 1290)).toBe(false);
  });
});

describe('checkReturn', () => {
  it('refuses before the goods are delivered', () => {
    expect(checkReturn(paidOrder(), returning([{ sku: 'MUG', quantity: 1, reason: 'x' }]), PAID)?.code).toBe('order_not_delivered');
  });

  it('accepts a delivered product within the window, to the last day', () => {
    const order = delivered(paidOrder(), 14);
    expect(checkReturn(order, returning([{ sku: 'MUG', quantity: 2, reason: 'Too small' }]), daysAfterDelivery(14))).toBeNull();
  });

  it('keeps the window recorded at delivery, whatever the shop says now', () => {
    const order = delivered(paidOrder(), 14);
    const late = checkReturn(order, returning([{ sku: 'MUG', quantity: 1, reason: 'x' }], 60), daysAfterDelivery(15));
    expect(late?.code).toBe('return_window_closed');
    expect(late?.message).toContain('14-day');
  });

  it("uses the shop's window for an order delivered before windows were recorded", () => {
    const order = delivered(paidOrder());
    expect(checkReturn(order, returning([{ sku: 'MUG', quantity: 1, reason: 'x' }], 60), daysAfterDelivery(45))).toBeNull();
    expect(checkReturn(order, returning([{ sku: 'MUG', quantity: 1, reason: 'x' }], 30), daysAfterDelivery(45))?.code).toBe('return_window_closed');
  });

  it('refuses services and products the catalog marks non-returnable', () => {
    const order = delivered(paidOrder(), 30);
    const posterBack = checkReturn(order, returning([{ sku: 'POSTER', quantity: 1, reason: 'x' }]), daysAfterDelivery(1));
    expect(posterBack?.code).toBe('product_not_returnable');
    expect(posterBack?.details).toEqual({ sku: 'POSTER' });
    expect(checkReturn(order, returning([{ sku: 'WRAP', quantity: 1, reason: 'x' }]), daysAfterDelivery(1))?.code).toBe('product_not_returnable');
  });

  it('refuses more than was delivered, counting the returns already asked for', () => {
    const order = delivered(paidOrder(), 30);
    const request = returning([{ sku: 'MUG', quantity: 1, reason: 'Chipped' }]);
    applyReturnRequested(order, 'ret_1', request, daysAfterDelivery(1));
    expect(checkReturn(order, returning([{ sku: 'MUG', quantity: 1, reason: 'x' }]), daysAfterDelivery(2))).toBeNull();
    const tooMany = checkReturn(order, returning([{ sku: 'MUG', quantity: 2, reason: 'x' }]), daysAfterDelivery(2));
    expect(tooMany?.code).toBe('return_exceeds_delivered');
    expect(tooMany?.details).toEqual({ sku: 'MUG', returnable: 1 });
  });

  it('refuses a product not on the order, a product listed twice, and an empty return', () => {
    const order = delivered(paidOrder(), 30);
    expect(checkReturn(order, returning([{ sku: 'TEE', quantity: 1, reason: 'x' }]), daysAfterDelivery(1))?.code).toBe('return_exceeds_delivered');
    const twice = returning([
      { sku: 'MUG', quantity: 1, reason: 'x' },
      { sku: 'MUG', quantity: 1, reason: 'y' },
    ]);
    expect(checkReturn(order, twice, daysAfterDelivery(1))?.code).toBe('return_exceeds_delivered');
    expect(checkReturn(order, returning([]), daysAfterDelivery(1))?.code).toBe('invalid_request');
  });
});

describe('what the return form offers', () => {
  it('counts what was delivered minus what returns ask for', () => {
    const order = paidOrder();
    expect(returnableQuantities(order).get('MUG')).toBe(0);
    delivered(order, 30);
    applyReturnRequested(order, 'ret_1', returning([{ sku: 'MUG', quantity: 1, reason: 'x' }]), daysAfterDelivery(1));
    expect(returnableQuantities(order).get('MUG')).toBe(1);
  });

  it('offers nothing of a non-returnable product, nor of an order whose live state is unknown', () => {
    const order = delivered(paidOrder(), 30);
    expect(returnAllowance(order, 'MUG', { returnable: true, type: 'storable' })).toEqual({ returnable: true, left: 2 });
    expect(returnAllowance(order, 'POSTER', { returnable: false, type: 'storable' })).toEqual({ returnable: false, left: 0 });
    // Sold as a service: not returnable even if the catalog changed its type since.
    expect(returnAllowance(order, 'WRAP', { returnable: true, type: 'storable' })).toEqual({ returnable: false, left: 0 });
    expect(returnAllowance(null, 'MUG', { returnable: true, type: 'storable' })).toEqual({ returnable: true, left: 0 });
  });

  it('is the same returnability rule the workflow checks', () => {
    expect(isReturnable({ returnable: true, type: 'storable' })).toBe(true);
    expect(isReturnable({ returnable: true, type: 'consumable' }, 'consumable')).toBe(true);
    expect(isReturnable({ returnable: false, type: 'storable' })).toBe(false);
    expect(isReturnable({ returnable: true, type: 'service' })).toBe(false);
    expect(isReturnable({ returnable: true, type: 'storable' }, 'service')).toBe(false);
    expect(isReturnable(undefined, 'storable')).toBe(true);
  });

  it('a new product is returnable unless it is a service', () => {
    expect(returnableByDefault('storable')).toBe(true);
    expect(returnableByDefault('consumable')).toBe(true);
    expect(returnableByDefault('service')).toBe(false);
  });
});

describe('the return window', () => {
  it('is the one recorded at delivery, else the shop setting, else the default', () => {
    const order = paidOrder();
    expect(returnWindowDaysOf(order)).toBe(DEFAULT_RETURN_WINDOW_DAYS);
    expect(returnWindowDaysOf(order, 45)).toBe(45);
    delivered(order, 14);
    expect(returnWindowDaysOf(order, 45)).toBe(14);
    expect(DEFAULT_SETTINGS.returnWindowDays).toBe(DEFAULT_RETURN_WINDOW_DAYS);
  });
});

describe('an order with a backorder (shipping policy as_soon_as_possible)', () => {
  function backordered(): Order {
    const order = paidOrder();
    applyDeliveryCreated(order, { id: 'dlv_1', doneEmail: true, backorderId: 'dlv_1-backorder', states: { dlv_1: 'waiting', 'dlv_1-backorder': 'waiting' } }, PAID);
    return order;
  }
  const doneNews = (deliveryId: string, lines: Array<{ sku: string; quantity: number }>): DeliveryNews => ({
    deliveryId,
    event: 'done',
    state: 'done',
    delivery: { state: 'done', steps: [{ state: 'done' }], lines },
  });

  it('is delivered, with its return window started, only when the last delivery is done', () => {
    const order = backordered();
    applyDeliveryNews(order, { deliveryId: 'dlv_1', event: 'reserved', state: 'ready' }, PAID);
    expect(order.deliveryState).toBe('ready');
    applyDeliveryNews(order, doneNews('dlv_1', [{ sku: 'MUG', quantity: 1 }, { sku: 'POSTER', quantity: 1 }, { sku: 'WRAP', quantity: 1 }]), DELIVERED);
    expect(order.deliveryState).toBe('in_progress');
    expect(order.deliveredAt).toBeUndefined();
    expect(checkReturn(order, returning([{ sku: 'MUG', quantity: 1, reason: 'x' }]), DELIVERED)?.code).toBe('order_not_delivered');
    // Part of it left: the order can no longer be cancelled (its backorder follows).
    expect(checkCancel(order, {})?.code).toBe('order_not_cancellable');
    const later = daysAfterDelivery(2);
    applyDeliveryNews(order, doneNews('dlv_1-backorder', [{ sku: 'MUG', quantity: 1 }]), later);
    expect(order.deliveryState).toBe('done');
    expect(order.deliveredAt).toBe(later);
    expect(returnableQuantities(order).get('MUG')).toBe(2);
  });

  it('returns count what the deliveries actually took', () => {
    const order = backordered();
    applyDeliveryNews(order, doneNews('dlv_1', [{ sku: 'MUG', quantity: 1 }, { sku: 'POSTER', quantity: 1 }]), DELIVERED);
    // The backorder was for one mug; it arrives after the first delivery: only then may they come back.
    applyDeliveryNews(order, doneNews('dlv_1-backorder', []), DELIVERED);
    expect(returnableQuantities(order).get('MUG')).toBe(1);
    expect(checkReturn(order, returning([{ sku: 'MUG', quantity: 2, reason: 'x' }]), DELIVERED)?.code).toBe('return_exceeds_delivered');
    expect(checkReturn(order, returning([{ sku: 'MUG', quantity: 1, reason: 'x' }]), DELIVERED)).toBeNull();
  });

  it('news of a delivery that is not its own changes nothing', () => {
    const order = backordered();
    const before = structuredClone(order);
    expect(applyDeliveryNews(order, { deliveryId: 'dlv_other', event: 'done', state: 'done' }, DELIVERED)).toEqual([]);
    expect(order).toEqual(before);
  });
});

describe('a card payment cancelled on the order, and one that succeeded after it', () => {
  /** A paid order whose card payment a cart edit closed before the customer paid it (as applyCartEditedAfterCheckout leaves it). */
  function withClosedPayment(): { order: Order; payment: Payment } {
    const order = paidOrder();
    const payment: Payment = { ...order.payments[0]!, reference: 'pay_closed', status: 'cancelled', untilPaid: true };
    order.payments.push(payment);
    return { order, payment };
  }

  it('the provider is told once; an answer "already paid" says its money will be refunded', () => {
    const { order, payment } = withClosedPayment();
    expect(paymentToCancelAtProvider(order)).toBe(payment);
    const version = order.version;
    const [entry] = applyProviderCancelled(order, payment, { status: 'already_paid' }, PAID);
    expect(entry).toMatchObject({ type: 'payment_cancel_too_late', data: { reference: 'pay_closed' } });
    expect(order.version).toBe(version + 1);
    expect(paymentToCancelAtProvider(order)).toBeUndefined();
    expect(applyProviderCancelled(withClosedPayment().order, payment, { status: 'cancelled' }, PAID)[0]!.type).toBe('payment_cancelled_at_provider');
  });

  it('a late payment gets one refund keyed by its reference; its first outcome is recorded, a repeat changes nothing', () => {
    const { order, payment } = withClosedPayment();
    payment.paidLate = true;
    expect(latePaymentToRefund(order)).toBe(payment);
    const { refundId, timeline } = applyLatePaymentRefundRequested(order, payment, PAID);
    expect(refundId).toBe('rfd_late_pay_closed');
    expect(timeline[0]!.message).toContain('arrived after it was cancelled');
    expect(latePaymentToRefund(order)).toBeUndefined();

    // An ordinary refund's outcome is not this one's.
    expect(applyLatePaymentRefundSettled(order, { refundId: 'rfd_other', status: 'succeeded' }, PAID)).toBeNull();
    const settled = applyLatePaymentRefundSettled(order, { refundId, status: 'succeeded', providerRefundId: 're_1' }, PAID);
    expect(settled).toMatchObject([{ type: 'refund_succeeded', message: 'Late payment pay_closed refunded (re_1)' }]);
    expect(payment.lateRefund).toEqual({ id: refundId, status: 'succeeded' });
    expect(applyLatePaymentRefundSettled(order, { refundId, status: 'failed', reason: 'late' }, PAID)).toEqual([]);
    expect(payment.lateRefund?.status).toBe('succeeded');
    // The order's own money is untouched: the late payment was never its payment.
    expect(order.paymentState).toBe('paid');
  });
});
