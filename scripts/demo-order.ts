/**
 * The demo order a first `npm start` leaves in Unpaid orders, so a new user
 * can take it through the console by clicking: pay on the demo provider's
 * page, validate the delivery, refund it. Made through the same gateway as
 * the API's own routes, once (an idempotency key names it): a card checkout,
 * then the demo provider's word that the customer went through its page and
 * the payment is pending (the brief's "quotation sent"), through the same
 * payment-event intake as the signed webhook.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { checkout, openCart, setContact } from '../api/orders.js';
import { receivePaymentEvent } from '../api/services/payment-events.js';
import type { TemporalGateway } from '../api/temporal-gateway.js';
import { findPayment } from '../db/payments.js';
import type { Logger } from '../logger.js';

export async function createDemoOrder(gateway: TemporalGateway, logger: Logger): Promise<{ id: string; number: string }> {
  const cart = await openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 2 }, { sku: 'TEE-M', quantity: 1 }] }, 'demo-order-1');
  await setContact(gateway, cart.id, {
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    shippingAddress: { line1: '12 St James’s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
  });
  const { order, payment } = await checkout(gateway, cart.id, 'card');
  // The intake finds the order by the payment's record, which the order's projection writes just after checkout.
  for (let attempt = 0; attempt < 100 && !(await findPayment(gateway.db, payment.reference)); attempt++) await delay(100);
  const event = { id: 'evt_demo_order_1_pending', type: 'payment.pending' as const, data: { reference: payment.reference, amount: payment.amount, currency: payment.currency } };
  await receivePaymentEvent({ gateway, logger }, event, event);
  return { id: order.id, number: order.number };
}
