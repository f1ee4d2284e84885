/**
 * The pages behind an abandoned-cart reminder's recovery link, when the shop
 * has no storefront cart page of its own (settings.cartRecoveryUrl): the cart
 * as it is, with a "pay by card" button for a card quotation left at the
 * payment page; and the page after that checkout when the provider has no page
 * to send the customer to.
 */
import { escapeHtml } from '../../domain/email-templates.js';
import { formatMoney } from '../../domain/money.js';
import { OrderState, PaymentMethod, type OrderLine } from '../../domain/order.js';
import type { ShopSettings } from '../../domain/settings.js';

/** The pages load nothing: no script, no outside resource. */
export const CART_RECOVERY_HEADERS = { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" };

export interface RecoveryCart {
  id: string;
  number: string;
  state: string;
  accessToken: string;
  currency: string;
  total: number;
  paymentMethod?: string | null;
  lines: ReadonlyArray<Pick<OrderLine, 'name' | 'quantity' | 'subtotal'>>;
}

export function renderCartRecovery(order: RecoveryCart, settings: Pick<ShopSettings, 'shopName'>): string {
  const rows = order.lines
    .map((l) => `<tr><td>${escapeHtml(l.name)}</td><td>${l.quantity}</td><td>${escapeHtml(formatMoney(l.subtotal, order.currency))}</td></tr>`)
    .join('');
  const open = order.state === OrderState.draft;
  // A card quotation left at the payment page (or whose payment failed): the way back to paying is a new checkout.
  const payAgain = open && order.paymentMethod === PaymentMethod.card && order.lines.length > 0;
  const payForm = payAgain
    ? `<form method="post" action="/cart/${encodeURIComponent(order.id)}/checkout?token=${encodeURIComponent(order.accessToken)}"><p>You stopped at the payment page: nothing was charged. <button type="submit">Pay ${escapeHtml(
        formatMoney(order.total, order.currency),
      )} by card</button></p></form>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Your cart ${escapeHtml(order.number)} · ${escapeHtml(settings.shopName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><main><h1>Your cart ${escapeHtml(order.number)}</h1>
<p>${open ? 'Your cart is waiting for you at ' + escapeHtml(settings.shopName) + '.' : `This order is ${escapeHtml(order.state === OrderState.cancel ? 'closed' : 'already placed')}.`}</p>
<table><thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Subtotal</th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th><td>${escapeHtml(formatMoney(order.total, order.currency))}</td></tr></tfoot></table>
${payForm}
<p>Cart reference: <code>${escapeHtml(order.id)}</code></p></main></body></html>`;
}

/** After the recovery page's checkout, when the payment is open but the provider has no page to send the customer to. */
export function renderPaymentReady(order: Pick<RecoveryCart, 'number' | 'total' | 'currency'>, settings: Pick<ShopSettings, 'shopName'>): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your payment · ${escapeHtml(settings.shopName)}</title></head>
<body><main><h1>Your payment for ${escapeHtml(order.number)} is ready</h1><p>Finish it on ${escapeHtml(settings.shopName)}'s website: ${escapeHtml(formatMoney(order.total, order.currency))}.</p></main></body></html>`;
}
