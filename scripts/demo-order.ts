/**
 * The demo order a first `npm start` leaves in Unpaid orders, so a new user
 * can take it through the console by clicking: pay on the demo provider's
 * page, validate the delivery, refund it. Made through the same gateway as
 * the API's own routes, once (an idempotency key names it).
 */
import { checkout, openCart, setContact } from '../api/orders.js';
import type { TemporalGateway } from '../api/temporal-gateway.js';

export async function createDemoOrder(gateway: TemporalGateway): Promise<{ id: string; number: string }> {
  const cart = await openCart(gateway, { lines: [{ sku: 'MUG-BLUE', quantity: 2 }, { sku: 'TEE-M', quantity: 1 }] }, 'demo-order-1');
  await setContact(gateway, cart.id, {
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    shippingAddress: { line1: '12 St James’s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
  });
  const { order } = await checkout(gateway, cart.id, 'card');
  return { id: order.id, number: order.number };
}
