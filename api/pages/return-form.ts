/**
 * The customer's return form (the link in the order's emails): one row per
 * product with how many may still come back, as the return policy says
 * (domain/refunds.ts), and a small script that posts the return.
 */
import type { OrderSummary } from '../../db/orders.js';
import type { Product } from '../../domain/catalog.js';
import { escapeHtml } from '../../domain/email-templates.js';
import { formatMoney } from '../../domain/money.js';
import { DeliveryState, type Order } from '../../domain/order.js';
import { returnAllowance } from '../../domain/refunds.js';
import { returnWindowDaysOf, type ShopSettings } from '../../domain/settings.js';

/** The page posts to the API only; nothing else loads. */
export const RETURN_FORM_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export interface ReturnFormInput {
  summary: OrderSummary;
  /** The order live from its workflow; null when its run is gone (nothing can be returned then). */
  order: Order | null;
  products: Map<string, Product>;
  settings: Pick<ShopSettings, 'shopName' | 'returnWindowDays'>;
  /** The access token the customer came with, posted back with the return. */
  token: string;
}

export function renderReturnForm({ summary, order, products, settings, token }: ReturnFormInput): string {
  const rows = summary.lines
    .map((line, i) => {
      const { returnable, left: max } = returnAllowance(order, line.sku, products.get(line.sku));
      const name = escapeHtml(line.name);
      const note = !returnable ? 'This product cannot be returned.' : max === 0 ? 'Nothing left to return.' : `Up to ${max}.`;
      return `<tr>
<th scope="row">${name}<br><small>${escapeHtml(formatMoney(line.unitPrice, summary.currency))} each</small></th>
<td><label for="q${i}" class="visually-hidden">Quantity of ${name} to return</label>
<input id="q${i}" name="quantity" type="number" min="0" max="${max}" value="0" data-sku="${escapeHtml(line.sku)}" ${max === 0 ? 'disabled' : ''} aria-describedby="n${i}">
<div id="n${i}"><small>${note}</small></div></td>
<td><label for="r${i}" class="visually-hidden">Reason for returning ${name}</label>
<select id="r${i}" name="reason" ${max === 0 ? 'disabled' : ''}><option>Does not fit</option><option>Damaged</option><option>Not as described</option><option>Changed my mind</option></select></td>
</tr>`;
    })
    .join('\n');
  const windowDays = order ? returnWindowDaysOf(order, settings.returnWindowDays) : settings.returnWindowDays;
  const windowNote = summary.deliveryState === DeliveryState.done ? `You can return goods within ${windowDays} days of delivery.` : 'Goods can be returned once they have been delivered.';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Return items from order ${escapeHtml(summary.number)} · ${escapeHtml(settings.shopName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{padding:.5rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}button{font-size:1rem;padding:.5rem 1.2rem;margin-top:1rem}
#result{margin-top:1rem;padding:.75rem;border-radius:.3rem}#result.ok{background:#e7f6ec}#result.error{background:#fdecea}</style></head>
<body><main><h1>Return items from order ${escapeHtml(summary.number)}</h1>
<p>${escapeHtml(windowNote)}</p>
<form id="return-form" novalidate><table><caption class="visually-hidden">Delivered items</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Quantity to return</th><th scope="col">Reason</th></tr></thead>
<tbody>${rows}</tbody></table>
<button type="submit">Request the return</button></form>
<div id="result" role="status" aria-live="polite"></div></main>
<script>
const form = document.getElementById('return-form');
const result = document.getElementById('result');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const rows = [...form.querySelectorAll('tbody tr')];
  const lines = rows.map((row) => ({ sku: row.querySelector('input').dataset.sku, quantity: Number(row.querySelector('input').value), reason: row.querySelector('select').value }))
    .filter((line) => line.quantity > 0);
  if (lines.length === 0) { result.className = 'error'; result.textContent = 'Choose at least one item to return.'; return; }
  const response = await fetch(${JSON.stringify(`/api/orders/${encodeURIComponent(summary.id)}/returns`)}, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: ${JSON.stringify(token)}, lines }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok) { result.className = 'ok'; result.textContent = 'Your return is registered (' + body.id + '). Send the items back; we refund you when they arrive.'; form.hidden = true; }
  else { result.className = 'error'; result.textContent = (body.error && body.error.message) || 'Something went wrong; please try again.'; }
});
</script></body></html>`;
}
