/** Money recorded by hand (payments received, refunds made by bank transfer, the money a cancelled order owes back), without any server. */
import { describe, expect, it } from 'vitest';
import type { ProductSnapshot } from '../domain/catalog.js';
import { invoiceDue, refundsToCredit } from '../domain/invoicing.js';
import {
  amountDue,
  amountReceived,
  applyCancel,
  applyCheckout,
  applyConfirm,
  applyDeliveryCreated,
  applyDeliveryNews,
  applyRecordPayment,
  checkRecordPayment,
  newQuotation,
  refundOwed,
  type Order,
  type Payment,
  type PaymentMethod,
} from '../domain/order.js';
import {
  applyManualRefund,
  applyRefundOwed,
  applyReturnNeedsManualRefund,
  applyReturnReceived,
  applyReturnRequested,
  checkManualRefund,
  checkRefund,
  refundableAmount,
  SupportRefund,
  type ReturnRequest,
} from '../domain/refunds.js';

const ORDERED = '2026-11-02T09:00:00.000Z';
const CONFIRMED = '2026-11-02T10:00:00.000Z';
const LATER = '2026-11-04T10:00:00.000Z';

const mug: ProductSnapshot = { sku: 'MUG', name: 'Blue mug', unitPrice: 1290, currency: 'EUR', type: 'storable' };
const tee: ProductSnapshot = { sku: 'TEE', name: 'T-shirt', unitPrice: 2000, currency: 'EUR', type: 'storable' };
const CATALOG: ReturnRequest['catalog'] = { MUG: { returnable: true, type: 'storable' }, TEE: { returnable: true, type: 'storable' } };

/** Two mugs and a T-shirt (45.80) checked out with `method`; confirmed when `confirm` says so. */
function checkedOut(method: PaymentMethod, { confirm = true, paymentReceived = false, support = SupportRefund.none as SupportRefund } = {}): Order {
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
        { product: tee, quantity: 1 },
      ],
      autoInvoice: true,
    },
    ORDERED,
  );
  order.contact = { email: 'alex@example.com' };
  const payment: Payment = { reference: 'pay_1', method, amount: order.total, currency: 'EUR', status: 'pending', supportRefund: support };
  applyCheckout(order, payment, ORDERED);
  if (confirm) applyConfirm(order, { paymentReceived }, CONFIRMED);
  return order;
}

function deliveredWithReturn(order: Order, lines: ReturnRequest['lines']) {
  applyDeliveryCreated(order, { id: 'dlv_1', doneEmail: true }, CONFIRMED);
  applyDeliveryNews(order, { deliveryId: 'dlv_1', event: 'done', state: 'done' }, CONFIRMED);
  const { record } = applyReturnRequested(order, `ret_${(order.returns ?? []).length + 1}`, { lines, catalog: CATALOG, returnWindowDays: 30 }, LATER);
  applyReturnReceived(order, record.id, LATER);
  applyReturnNeedsManualRefund(order, record, LATER);
  return record;
}

describe('checkRecordPayment', () => {
  it('a confirmed pay-in-store order takes money up to what is due', () => {
    const order = checkedOut('pay_in_store');
    expect(order.total).toBe(4580);
    expect(amountDue(order)).toBe(4580);
    expect(checkRecordPayment(order, { amount: 4580 })).toBeNull();
    expect(checkRecordPayment(order, { amount: 1000, method: 'wire_transfer' })).toBeNull();
    expect(checkRecordPayment(order, { amount: 4581 })).toMatchObject({ code: 'payment_exceeds_due', details: { due: 4580 } });
    expect(checkRecordPayment(order, { amount: 0 })?.code).toBe('invalid_request');
    expect(checkRecordPayment(order, { amount: 10.5 })?.code).toBe('invalid_request');
  });

  it('never on a card order, nor on an order not confirmed', () => {
    expect(checkRecordPayment(checkedOut('card', { confirm: false }), { amount: 100 })?.code).toBe('payment_not_recordable');
    const sent = checkRecordPayment(checkedOut('wire_transfer', { confirm: false }), { amount: 100 });
    expect(sent).toMatchObject({ code: 'order_not_confirmed' });
    expect(sent?.message).toContain('confirm it');
    const cancelled = checkedOut('wire_transfer');
    cancelled.state = 'cancel';
    expect(checkRecordPayment(cancelled, { amount: 100 })?.code).toBe('order_not_confirmed');
  });

  it('nothing more once the order was confirmed with its payment', () => {
    const order = checkedOut('wire_transfer', { paymentReceived: true });
    expect(amountDue(order)).toBe(0);
    expect(checkRecordPayment(order, { amount: 1 })).toMatchObject({ code: 'payment_exceeds_due', message: 'Order S00001 is paid in full already.' });
  });
});

describe('applyRecordPayment', () => {
  it('partial amounts add up; the order is paid (and owes its invoice) when they cover the total', () => {
    const order = checkedOut('pay_in_store');
    const first = applyRecordPayment(order, 'rcv_1', { amount: 1580, note: 'deposit', by: 'operator' }, LATER);
    expect(first.receipt).toMatchObject({ id: 'rcv_1', reference: 'pay_1', amount: 1580, method: 'pay_in_store', note: 'deposit' });
    expect(first.timeline[0]).toMatchObject({ type: 'payment_recorded', data: { receiptId: 'rcv_1', amount: 1580, due: 3000 } });
    expect(first.timeline[0]!.message).toContain('30.00 still due');
    expect(order.paymentState).toBe('pending');
    expect(amountDue(order)).toBe(3000);
    expect(invoiceDue(order)).toBe(false);
    expect(checkRecordPayment(order, { amount: 3001 })?.code).toBe('payment_exceeds_due');

    const second = applyRecordPayment(order, 'rcv_2', { amount: 3000, method: 'wire_transfer' }, LATER);
    expect(second.timeline[0]!.message).toContain('paid in full');
    expect(order.paymentState).toBe('paid');
    expect(order.payments[0]!.status).toBe('succeeded');
    expect(order.receipts?.map((r) => r.amount)).toEqual([1580, 3000]);
    expect(amountDue(order)).toBe(0);
    expect(invoiceDue(order)).toBe(true);
    expect(refundableAmount(order)).toBe(4580);
  });
});

describe('manual refunds', () => {
  it('settle the return waiting to be refunded by hand and move the payment state', () => {
    const order = checkedOut('wire_transfer', { paymentReceived: true });
    const ret = deliveredWithReturn(order, [{ sku: 'MUG', quantity: 1, reason: 'chipped' }]);
    expect(ret.state).toBe('to_refund_manually');
    expect(checkManualRefund(order, { amount: 1290 })).toBeNull();
    const { refund, timeline } = applyManualRefund(order, 'rfd_1', { amount: 1290, reason: 'chipped mug', by: 'operator' }, LATER);
    expect(refund).toMatchObject({ id: 'rfd_1', amount: 1290, status: 'succeeded', manual: true, returnId: ret.id, paymentReference: 'pay_1' });
    expect(ret).toMatchObject({ state: 'refunded', refundId: 'rfd_1' });
    expect(order.paymentState).toBe('partially_refunded');
    expect(timeline[0]).toMatchObject({ type: 'refund_recorded', data: { refundId: 'rfd_1', returnIds: [ret.id] } });

    expect(checkManualRefund(order, { amount: 3291 })).toMatchObject({ code: 'refund_exceeds_paid' });
    applyManualRefund(order, 'rfd_2', {}, LATER);
    expect(order.paymentState).toBe('refunded');
    expect(checkManualRefund(order, {})?.code).toBe('nothing_to_refund');
  });

  it('an amount short of a return leaves it waiting, unless nothing is left to refund', () => {
    const order = checkedOut('pay_in_store', { paymentReceived: true });
    const ret = deliveredWithReturn(order, [{ sku: 'TEE', quantity: 1, reason: 'too small' }]);
    applyManualRefund(order, 'rfd_1', { amount: 500 }, LATER);
    expect(ret.state).toBe('to_refund_manually');
    applyManualRefund(order, 'rfd_2', {}, LATER);
    expect(ret).toMatchObject({ state: 'refunded', refundId: 'rfd_2' });
  });

  it('refused without money received, and where the provider refunds the amount itself', () => {
    expect(checkManualRefund(checkedOut('wire_transfer'), {})?.code).toBe('nothing_to_refund');
    const card = checkedOut('card', { confirm: false, support: SupportRefund.partial });
    card.payments[0]!.status = 'succeeded';
    card.paymentState = 'paid';
    expect(checkManualRefund(card, { amount: 100 })?.code).toBe('refund_through_provider');
    // A provider that refunds only in full: a part of it is made by hand.
    card.payments[0]!.supportRefund = SupportRefund.full_only;
    expect(checkManualRefund(card, { amount: 100 })).toBeNull();
    expect(checkManualRefund(card, {})?.code).toBe('refund_through_provider');
  });
});

describe('an order cancelled before its receipts covered the total', () => {
  /** 45.80 due at pickup, 15.80 of it received by hand, then cancelled. */
  function cancelledWithDeposit(): Order {
    const order = checkedOut('pay_in_store');
    applyRecordPayment(order, 'rcv_1', { amount: 1580, note: 'deposit' }, LATER);
    return order;
  }

  it('what was received is refundable: a payment in full, else the receipts; minus what was refunded', () => {
    const order = cancelledWithDeposit();
    expect(amountReceived(order)).toBe(1580);
    expect(refundableAmount(order)).toBe(1580);
    expect(refundOwed(order)).toBe(0); // a live order's receipts pay for it
    const paid = checkedOut('wire_transfer', { paymentReceived: true });
    expect(amountReceived(paid)).toBe(4580);
    expect(refundableAmount(paid)).toBe(4580);
    expect(amountReceived(checkedOut('wire_transfer'))).toBe(0);
  });

  it('on a live order the receipts are not refunded (409 order_not_paid_in_full), by hand or through the provider', () => {
    const order = cancelledWithDeposit();
    expect(checkManualRefund(order, {})).toMatchObject({ code: 'order_not_paid_in_full', details: { received: 1580 } });
    expect(checkRefund(order, {})?.code).toBe('order_not_paid_in_full');
  });

  it('cancelled: the timeline says what is owed, the refund by hand is recorded up to what was received, paymentState moves', () => {
    const order = cancelledWithDeposit();
    const [cancelled] = applyCancel(order, { reason: 'changed their mind', by: 'operator' }, LATER);
    expect(cancelled).toMatchObject({ type: 'order_cancelled', data: { refundDue: true, owed: 1580 } });
    expect(cancelled!.message).toBe('Cancelled by operator: changed their mind (€15.80 received: refund due)');
    expect(order.paymentState).toBe('not_paid');
    expect(refundOwed(order)).toBe(1580);

    // Noted once, saying how the money goes back.
    const [owed] = applyRefundOwed(order, LATER);
    expect(owed).toMatchObject({ type: 'refund_owed', data: { amount: 1580, manual: true } });
    expect(owed!.message).toContain('refund it by bank transfer, then record the manual refund');
    expect(order.refundOwed).toEqual({ amount: 1580, at: LATER });
    expect(applyRefundOwed(order, LATER)).toEqual([]);

    // No provider ever held it; never more than was received.
    expect(checkRefund(order, {})).toMatchObject({ code: 'refund_not_supported', message: expect.stringContaining('manual: true') });
    expect(checkManualRefund(order, { amount: 1581 })).toMatchObject({ code: 'refund_exceeds_paid', details: { remaining: 1580 } });
    expect(checkManualRefund(order, { amount: 1000 })).toBeNull();

    const first = applyManualRefund(order, 'rfd_1', { amount: 1000, by: 'operator' }, LATER);
    expect(first.refund).toMatchObject({ amount: 1000, currency: 'EUR', paymentReference: 'pay_1', status: 'succeeded', manual: true });
    expect(order.paymentState).toBe('partially_refunded');
    expect(refundOwed(order)).toBe(580);
    expect(checkManualRefund(order, { amount: 581 })).toMatchObject({ code: 'refund_exceeds_paid', details: { remaining: 580 } });

    applyManualRefund(order, 'rfd_2', {}, LATER);
    expect(order.refunds?.map((r) => r.amount)).toEqual([1000, 580]);
    expect(order.paymentState).toBe('refunded');
    expect(refundOwed(order)).toBe(0);
    expect(checkManualRefund(order, { amount: 1 })?.code).toBe('nothing_to_refund');
  });

  it('never paid in full: no invoice even once refunded, so no credit note', () => {
    const order = cancelledWithDeposit();
    applyCancel(order, {}, LATER);
    applyManualRefund(order, 'rfd_1', {}, LATER);
    expect(order.paymentState).toBe('refunded');
    expect(order.autoInvoice).toBe(true);
    expect(invoiceDue(order)).toBe(false);
    expect(refundsToCredit(order)).toEqual([]);
  });

  it('a cancelled order paid in full by wire transfer owes it all; one never paid owes nothing', () => {
    const paid = checkedOut('wire_transfer', { paymentReceived: true });
    expect(applyCancel(paid, {}, LATER)[0]!.message).toContain('(€45.80 received: refund due)');
    expect(refundOwed(paid)).toBe(4580);
    expect(applyRefundOwed(paid, LATER)[0]!.data).toEqual({ amount: 4580, manual: true });
    expect(checkManualRefund(paid, {})).toBeNull();

    const unpaid = checkedOut('wire_transfer');
    const [entry] = applyCancel(unpaid, {}, LATER);
    expect(entry).toMatchObject({ message: 'Cancelled by an operator', data: { refundDue: false } });
    expect(refundOwed(unpaid)).toBe(0);
    expect(applyRefundOwed(unpaid, LATER)).toEqual([]);
    expect(checkManualRefund(unpaid, {})?.code).toBe('nothing_to_refund');
  });

  it('a card order cancelled after it was paid owes the refund through its provider', () => {
    const card = checkedOut('card', { confirm: false, support: SupportRefund.partial });
    card.payments[0]!.status = 'succeeded';
    card.paymentState = 'paid';
    applyCancel(card, {}, LATER);
    expect(applyRefundOwed(card, LATER)[0]).toMatchObject({ data: { amount: 4580, manual: false }, message: expect.stringContaining('through the provider') });
    expect(checkManualRefund(card, {})?.code).toBe('refund_through_provider');
  });
});
