import { z } from 'zod';
import { getOrderSummary } from '../../db/orders.js';
import { getProductsBySku } from '../../db/products.js';
import { getReturn, listReturns } from '../../db/returns.js';
import { getSettings } from '../../db/settings.js';
import { escapeHtml } from '../../domain/email-templates.js';
import { DomainError } from '../../domain/errors.js';
import { formatMoney } from '../../domain/money.js';
import { returnableQuantities, type ReturnRecord } from '../../domain/refunds.js';
import type { AppDeps } from '../app.js';
import { roleOf, sameSecret, type ApiBuilder } from '../http.js';
import { getOrder, orWhenClosed } from '../orders.js';
import { receiveReturn, requestRefund, requestReturn } from '../returns.js';
import { IdParam, RefundBody, RefundSchema, ReturnBody, ReturnListQuery, ReturnSchema } from '../schemas.js';

/** A return as the order's workflow holds it, in the API's shape. */
function returnView(record: ReturnRecord, order: { id: string; number: string }) {
  return { ...record, orderId: order.id, orderNumber: order.number, createdAt: record.requestedAt };
}

export function returnRoutes(api: ApiBuilder, { gateway, config }: AppDeps): void {
  const { db } = gateway;

  api.route({
    method: 'post',
    path: '/api/orders/{id}/refunds',
    access: 'operator',
    summary: 'Refund the customer through the payment provider: in full when no amount is given, in part where the provider allows it',
    tags: ['Refunds'],
    params: IdParam,
    body: RefundBody,
    responses: {
      202: { description: 'The refund, started', schema: RefundSchema },
      404: { description: 'Unknown order' },
      409: { description: 'The order is closed' },
      422: { description: 'The provider does not refund (or not in part), more than was paid, or nothing left' },
    },
    handler: async ({ params, body }) => ({ status: 202, body: await requestRefund(gateway, params.id, body) }),
  });

  api.route({
    method: 'post',
    path: '/api/orders/{id}/returns',
    access: 'public',
    summary: "Ask to return goods: customers with the order's access token (the return form), operators with their bearer token",
    tags: ['Returns'],
    params: IdParam,
    body: ReturnBody,
    responses: {
      201: { description: 'The return, requested', schema: ReturnSchema },
      404: { description: 'Unknown order, or a wrong token' },
      422: { description: 'Refused by the return policy: not delivered, window closed, not returnable, more than delivered' },
    },
    handler: async ({ params, body, req }) => {
      const order = await getOrderSummary(db, params.id);
      const operator = roleOf(req.headers.authorization, config.tokens) === 'operator';
      // A wrong token and an unknown order look the same: nothing is revealed.
      if (!order || (!operator && !sameSecret(body.token, order.accessToken))) throw new DomainError('order_not_found', 'No such order.');
      const [settings, products] = await Promise.all([getSettings(db), getProductsBySku(db, body.lines.map((l) => l.sku))]);
      const catalog = Object.fromEntries([...products.values()].map((p) => [p.sku, { returnable: p.returnable, type: p.type }]));
      try {
        const record = await requestReturn(gateway, params.id, { lines: body.lines, catalog, returnWindowDays: settings.returnWindowDays });
        return { status: 201, body: returnView(record, order) };
      } catch (error) {
        // A delivered order's workflow closes only once its return window is over.
        if (error instanceof DomainError && error.code === 'cart_not_editable' && order.deliveryState === 'done') {
          throw new DomainError('return_window_closed', `The return window for ${order.number} is closed.`);
        }
        throw error;
      }
    },
  });

  api.route({
    method: 'get',
    path: '/api/returns',
    access: 'operator',
    summary: "Returns, newest first; state=requested is the warehouse's list of goods to expect",
    tags: ['Returns'],
    query: ReturnListQuery,
    responses: { 200: { description: 'Returns', schema: z.object({ items: z.array(ReturnSchema) }) } },
    handler: async ({ query }) => ({ body: { items: await listReturns(db, query) } }),
  });

  api.route({
    method: 'get',
    path: '/api/returns/{id}',
    access: 'operator',
    summary: 'One return',
    tags: ['Returns'],
    params: IdParam,
    responses: { 200: { description: 'The return', schema: ReturnSchema }, 404: { description: 'Unknown return' } },
    handler: async ({ params }) => {
      const found = await getReturn(db, params.id);
      if (!found) throw new DomainError('return_not_found', 'No such return.');
      return { body: found };
    },
  });

  api.route({
    method: 'post',
    path: '/api/returns/{id}/receive',
    access: 'operator',
    summary: 'The returned goods arrived: back on hand, and the refund starts when the provider supports it',
    tags: ['Returns'],
    params: IdParam,
    responses: { 200: { description: 'The return, received', schema: ReturnSchema }, 404: { description: 'Unknown return' }, 409: { description: 'Already received' } },
    handler: async ({ params }) => {
      const status = await orWhenClosed(
        () => receiveReturn(gateway, params.id),
        'return_not_found',
        async () => {
          // A received return's workflow is closed: say so, unless the return does not exist at all.
          if (await getReturn(db, params.id)) throw new DomainError('return_already_received', 'This return has been received already.');
          return null;
        },
      );
      const stored = await getReturn(db, params.id);
      if (stored) return { body: { ...stored, state: stored.state === 'requested' ? status.state : stored.state, receivedAt: status.receivedAt ?? stored.receivedAt ?? null } };
      // Received before the order's projection wrote it down: the order's own record answers.
      const order = await getOrder(gateway, status.orderId!);
      const record = order.returns!.find((r) => r.id === params.id)!;
      return { body: { ...returnView(record, order), state: status.state, receivedAt: status.receivedAt ?? null } };
    },
  });

  api.route({
    method: 'get',
    path: '/returns/{id}',
    access: 'public',
    summary: "The customer's return form (the link in the order's emails)",
    tags: ['Customer pages'],
    params: IdParam,
    query: z.object({ token: z.string().max(200).optional() }),
    responses: { 200: { description: 'The form', schema: z.string(), contentType: 'text/html' }, 404: { description: 'Unknown order or wrong token' } },
    handler: async ({ params, query, res }) => {
      const summary = await getOrderSummary(db, params.id);
      if (!summary || !sameSecret(query.token, summary.accessToken)) throw new DomainError('order_not_found', 'No such order.');
      const order = await getOrder(gateway, params.id).catch(() => null);
      const settings = await getSettings(db);
      const left = order ? returnableQuantities(order) : new Map<string, number>();
      const products = await getProductsBySku(db, summary.lines.map((l) => l.sku));
      const rows = summary.lines
        .map((line, i) => {
          const product = products.get(line.sku);
          const returnable = product?.returnable !== false && product?.type !== 'service';
          const max = returnable ? Math.max(0, left.get(line.sku) ?? 0) : 0;
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
      const windowNote = summary.deliveryState === 'done'
        ? `You can return goods within ${settings.returnWindowDays} days of delivery.`
        : 'Goods can be returned once they have been delivered.';
      res
        .type('html')
        .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; form-action 'none'")
        .set('X-Content-Type-Options', 'nosniff')
        .set('Referrer-Policy', 'no-referrer')
        .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
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
    body: JSON.stringify({ token: ${JSON.stringify(query.token ?? '')}, lines }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok) { result.className = 'ok'; result.textContent = 'Your return is registered (' + body.id + '). Send the items back; we refund you when they arrive.'; form.hidden = true; }
  else { result.className = 'error'; result.textContent = (body.error && body.error.message) || 'Something went wrong; please try again.'; }
});
</script></body></html>`);
    },
  });
}
