/**
 * A checkout under the shop's settings now: the storefront's checkout
 * (api/routes/carts.ts) and the recovery page's "pay now" (api/routes/pages.ts)
 * both go through it.
 */
import { findPayment } from '../../db/payments.js';
import { getSettings } from '../../db/settings.js';
import { listShippingMethods } from '../../db/shipping-methods.js';
import type { PaymentMethod } from '../../domain/order.js';
import { acceptedPaymentMethods, effectivePaymentMethods } from '../../domain/payment-methods.js';
import type { AppDeps } from '../app.js';
import * as orders from '../orders.js';
import { orderView } from '../views/orders.js';
import { checkoutPaymentView } from '../views/payments.js';

/**
 * Checks the order out with the methods the shop takes and the shipping
 * methods it offers now, answered with what the customer must do next.
 */
export async function checkoutAsTheShopIs({ gateway, config }: Pick<AppDeps, 'gateway' | 'config'>, orderId: string, method: PaymentMethod) {
  const settings = await getSettings(gateway.db);
  const accepted = acceptedPaymentMethods(effectivePaymentMethods(settings.paymentMethods, config.payments.cardProvider));
  const offeredShipping = (await listShippingMethods(gateway.db, { enabledOnly: true })).map((m) => m.id);
  const { order, payment } = await orders.checkout(gateway, orderId, method, accepted, offeredShipping);
  // The provider's redirect URL and client secret are on the payment record, never in the workflow's history.
  const opened = await findPayment(gateway.db, payment.reference);
  return { order: orderView(order), payment: checkoutPaymentView(config, payment, opened) };
}
