// The back-office console: reads and acts through the JSON API (the same
// routes and rules as every other client), signed in by the session cookie,
// with the page's CSRF token on every change. No framework, no build step;
// text always goes in as text (never as HTML).
'use strict';

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
const CSRF = meta('csrf-token');
const TEMPORAL = meta('temporal-ui');
const CURRENCY = meta('currency') || 'EUR';
const main = document.getElementById('main');
const notice = document.getElementById('notice');

class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** One call to the API; a refusal throws with the API's own sentence. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = CSRF;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError('The API cannot be reached: check the connection and try again.', 'network', 0);
  }
  if (response.status === 401) {
    location.assign(`/console/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError('Your session has ended: sign in again.', 'unauthorized', 401);
  }
  const json = (response.headers.get('content-type') ?? '').includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(json?.error?.message ?? `The API answered ${response.status}.`, json?.error?.code ?? 'error', response.status);
  return json;
}

/** Builds an element; strings become text nodes, so nothing from the API is ever parsed as HTML. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const LABELS = {
  draft: 'Quotation',
  sent: 'Quotation sent',
  sale: 'Sales order',
  cancel: 'Cancelled',
  not_paid: 'Not paid',
  pending: 'Pending',
  paid: 'Paid',
  partially_refunded: 'Partially refunded',
  refunded: 'Refunded',
  none: 'No delivery',
  waiting: 'Waiting for stock',
  ready: 'Ready',
  in_progress: 'In progress',
  done: 'Done',
  requested: 'Requested',
  received: 'Received',
  to_refund_manually: 'To refund by hand',
  refund_failed: 'Refund failed',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  card: 'Card',
  wire_transfer: 'Wire transfer',
  pay_in_store: 'Pay in store',
  outbox: 'In the outbox',
  sending: 'Sending',
  team_only: 'The team alone',
  round_robin: 'Its salespeople in turn',
  ship_only: 'Ship (one step)',
  pick_ship: 'Pick, then ship (two steps)',
  pick_pack_ship: 'Pick, pack with a label, ship (three steps)',
};
const STEP_LABELS = { waiting: 'To do', ready: 'Ready', done: 'Done' };
const label = (value) => LABELS[value] ?? String(value ?? '—');
const badge = (value) => h('span', { class: `badge badge-${value}` }, label(value));
const money = (minor, currency) => new Intl.NumberFormat('en', { style: 'currency', currency: currency || CURRENCY }).format((minor ?? 0) / 100);
const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '');
const customerOf = (o) => o.contact?.email ?? o.customer?.email ?? o.customerEmail ?? '—';
const orderLink = (id, number) => h('a', { href: `/console/orders/${encodeURIComponent(id)}` }, number ?? id);
const temporalLink = (query, text) =>
  h('a', { href: `${TEMPORAL}/workflows?query=${encodeURIComponent(query)}`, target: '_blank', rel: 'noreferrer', class: 'temporal' }, `${text} ↗`);

function say(message, kind = 'ok') {
  notice.replaceChildren(h('p', { class: `notice notice-${kind}` }, message));
}

/** A titled section of a page, labelled by its heading. */
function section(key, title, ...content) {
  return h('section', { 'aria-labelledby': `${key}-title` }, h('h2', { id: `${key}-title` }, title), content);
}

function table(caption, columns, rows, empty) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map(([title]) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(row)))))),
  );
}

/**
 * A form that calls the API. On success: a notice and the page drawn again
 * from the API; on refusal: the API's message beside the button, nothing else.
 */
function action({ name, button, method, path, fields = [], body = () => undefined, confirmText, done, className, after }) {
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit' }, button);
  const form = h('form', { class: `action ${className ?? ''}`, 'aria-label': name }, fields, submit, error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (confirmText && !window.confirm(confirmText)) return;
    error.hidden = true;
    submit.disabled = true;
    try {
      const data = Object.fromEntries(new FormData(form));
      const result = await api(method, path, body(data, form));
      // The API's answer is the live state; lists catch up a moment later, so an `after` may draw from the answer.
      if (after) after(result);
      else await render();
      say(typeof done === 'function' ? done(result) : done);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      submit.disabled = false;
    }
  });
  return form;
}

function field(id, text, input) {
  return h('p', { class: 'field' }, h('label', { for: id }, text), input);
}
const input = (id, props = {}) => h('input', { id, name: props.name ?? id, ...props });
function select(id, options, selected, props = {}) {
  return h('select', { id, name: props.name ?? id, ...props }, options.map(([value, text]) => h('option', { value, selected: value === selected }, text)));
}
/** "12.50" in the shop's currency to minor units; empty stays absent. */
const minorUnits = (text) => (text === undefined || String(text).trim() === '' ? undefined : Math.round(Number(String(text).replace(',', '.')) * 100));

// ------------------------------------------------------------------ lists
const ORDER_COLUMNS = [
  ['Number', (o) => orderLink(o.id, o.number)],
  ['Customer', customerOf],
  ['Total', (o) => money(o.total, o.currency)],
  ['State', (o) => badge(o.state)],
  ['Payment', (o) => [badge(o.paymentState), o.paymentMethod ? h('small', {}, ` ${label(o.paymentMethod)}`) : null]],
  ['Delivery', (o) => badge(o.deliveryState)],
  ['Sales team', (o) => [o.salesTeam, o.salesperson ? h('small', {}, ` · ${o.salesperson}`) : null]],
  ['Date', (o) => when(o.createdAt)],
];

/** A search box, a page of the API's list and links to the next page, keeping the query in the address. */
async function pagedList({ endpoint, fixed = {}, filters = [], title, columns, empty }) {
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams({ ...fixed, limit: '25' });
  for (const key of ['q', 'cursor', ...filters.map((f) => f.key)]) if (params.get(key)) query.set(key, params.get(key));
  const page = await api('GET', `${endpoint}?${query}`);
  const form = h(
    'form',
    { method: 'get', class: 'filters', role: 'search' },
    field('q', 'Number, email or name', input('q', { type: 'search', value: params.get('q') ?? '', maxlength: 100 })),
    filters.map((f) => field(f.key, f.label, select(f.key, f.options, params.get(f.key) ?? ''))),
    h('p', {}, h('button', { type: 'submit' }, 'Filter')),
  );
  const keep = new URLSearchParams([...params].filter(([k, v]) => k !== 'cursor' && v));
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    params.get('cursor') ? h('a', { href: `?${keep}` }, '← First page') : null,
    page.nextCursor ? h('a', { href: `?${new URLSearchParams([...keep, ['cursor', page.nextCursor]])}` }, 'Next page →') : null,
  );
  return [form, table(title, columns, page.items, params.get('q') ? 'Nothing matches.' : empty), pager];
}

async function ordersPage(state) {
  const title = state === 'sale' ? 'Orders' : 'Unpaid orders';
  document.title = `${title} · Console`;
  const list = await pagedList({
    endpoint: '/api/orders',
    fixed: { state },
    filters:
      state === 'sale' ? [{ key: 'paymentState', label: 'Payment', options: [['', 'Any'], ['paid', 'Paid'], ['partially_refunded', 'Partially refunded'], ['refunded', 'Refunded']] }] : [],
    title,
    columns: ORDER_COLUMNS,
    empty: 'Nothing here yet.',
  });
  return [
    h('h1', {}, title),
    h('p', { class: 'hint' }, state === 'sale' ? 'Sales orders: paid online or confirmed by an operator.' : 'Quotations sent: the customer checked out; the payment is not confirmed yet.'),
    list,
    h('p', {}, temporalLink(`OrderState="${state}"`, 'The same runs in the Temporal UI')),
  ];
}

async function abandonedPage() {
  document.title = 'Abandoned carts · Console';
  const settings = await api('GET', '/api/settings');
  const list = await pagedList({
    endpoint: '/api/abandoned-carts',
    title: 'Abandoned carts',
    columns: [
      ['Number', (o) => orderLink(o.id, o.number)],
      ['Customer', customerOf],
      ['Total', (o) => money(o.total, o.currency)],
      ['Lines', (o) => o.lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')],
      ['Reminders sent', (o) => String(o.remindersSent ?? 0)],
      ['Idle since', (o) => when(o.lastCustomerActivityAt ?? o.updatedAt)],
      ['Sales team', (o) => [o.salesTeam, o.salesperson ? h('small', {}, ` · ${o.salesperson}`) : null]],
      ['Date', (o) => when(o.createdAt)],
    ],
    empty: 'No abandoned cart.',
  });
  return [
    h('h1', {}, 'Abandoned carts'),
    h('p', { class: 'hint' }, `Quotations with products whose customer has been idle longer than ${settings.abandonedCart.delay}. Reminders are ${settings.abandonedCart.enabled ? 'on' : 'off'} (Settings).`),
    list,
    h('p', {}, temporalLink('OrderState="draft"', 'Quotations in the Temporal UI')),
  ];
}

// ------------------------------------------------------------------ one order
function deliveryBlock(d, { withOrder = false } = {}) {
  const current = d.steps.find((s) => s.state !== 'done');
  const steps = h(
    'ol',
    { class: 'steps' },
    d.steps.map((s) => h('li', { class: `step step-${s.state}` }, `${s.name[0].toUpperCase()}${s.name.slice(1)}: ${STEP_LABELS[s.state] ?? s.state}`)),
  );
  const canValidate = current && (d.state === 'ready' || d.state === 'in_progress');
  const card = h(
    'article',
    { class: 'delivery', 'aria-label': `Delivery ${d.orderNumber}` },
    h('h3', {}, withOrder ? orderLink(d.orderId, d.orderNumber) : 'Delivery', ' ', badge(d.state)),
    steps,
    d.trackingNumber ? h('p', {}, `Tracking: ${d.trackingNumber}${d.carrier ? ` (${d.carrier})` : ''}`) : null,
    d.labelUrl ? h('p', {}, h('a', { href: `/api/deliveries/${encodeURIComponent(d.id)}/label`, target: '_blank', rel: 'noreferrer' }, 'Shipping label (PDF)')) : null,
    d.state === 'waiting' ? h('p', { class: 'hint' }, 'Waiting for stock: validate once the goods are reserved.') : null,
    canValidate
      ? action({
          name: `Validate ${current.name} of ${d.orderNumber}`,
          button: `Validate ${current.name}`,
          method: 'POST',
          path: `/api/deliveries/${encodeURIComponent(d.id)}/validate`,
          body: () => ({ step: current.name }),
          done: (r) => `${d.orderNumber}: ${current.name} validated (delivery ${label(r.state).toLowerCase()}).`,
          after: (r) => card.replaceWith(deliveryBlock(r, { withOrder })),
        })
      : null,
  );
  return card;
}

async function orderPage(id) {
  const o = await api('GET', `/api/orders/${encodeURIComponent(id)}`);
  document.title = `${o.number} · Console`;
  const paid = o.payments.filter((p) => p.status === 'succeeded' || p.status === 'paid').reduce((sum, p) => sum + p.amount, 0);
  const refunded = o.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  const actions = [];
  const payPage = o.payments.find((p) => p.paymentUrl);
  if (o.state === 'sent' && o.paymentMethod === 'card') {
    actions.push(
      h(
        'p',
        {},
        'Waiting for the card payment: the provider confirms it. ',
        payPage ? h('a', { href: new URL(payPage.paymentUrl).pathname, target: '_blank', rel: 'noreferrer' }, "Open the demo provider's payment page ↗") : null,
      ),
    );
  } else if (o.state === 'sent') {
    actions.push(
      action({
        name: 'Confirm the payment',
        button: `Confirm: ${label(o.paymentMethod).toLowerCase()} received`,
        method: 'POST',
        path: `/api/orders/${encodeURIComponent(o.id)}/confirm`,
        body: () => ({ paymentReceived: true }),
        done: (r) => `${r.number} is a sales order: stock reserved, delivery created.`,
      }),
    );
  }
  if (o.state !== 'cancel' && o.deliveryState !== 'done') {
    actions.push(
      action({
        name: 'Cancel the order',
        button: 'Cancel the order',
        className: 'danger',
        method: 'POST',
        path: `/api/orders/${encodeURIComponent(o.id)}/cancel`,
        fields: [field('cancel-reason', 'Reason (optional)', input('cancel-reason', { name: 'reason', maxlength: 500 }))],
        body: (data) => (data.reason ? { reason: data.reason } : {}),
        confirmText: `Cancel ${o.number}? Reserved stock is released and open deliveries are cancelled.`,
        done: (r) => `${r.number} is cancelled.`,
      }),
    );
  }
  if (o.paymentState === 'paid' || o.paymentState === 'partially_refunded') {
    actions.push(
      action({
        name: 'Refund',
        button: 'Refund',
        method: 'POST',
        path: `/api/orders/${encodeURIComponent(o.id)}/refunds`,
        fields: [
          field('refund-amount', `Amount in ${o.currency} (empty: everything left)`, input('refund-amount', { name: 'amount', inputmode: 'decimal', pattern: '\\d+([.,]\\d{1,2})?', size: 10 })),
          field('refund-reason', 'Reason (optional)', input('refund-reason', { name: 'reason', maxlength: 500 })),
        ],
        body: (data) => ({ ...(minorUnits(data.amount) !== undefined ? { amount: minorUnits(data.amount) } : {}), ...(data.reason ? { reason: data.reason } : {}) }),
        done: (r) => `Refund of ${money(r.amount, r.currency)} started.`,
      }),
    );
  }
  return [
    h('p', { class: 'crumbs' }, h('a', { href: o.state === 'sent' ? '/console/unpaid' : o.state === 'draft' ? '/console/abandoned-carts' : '/console/orders' }, '← Back to the list')),
    h('h1', {}, `${o.number} `, badge(o.state)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Customer'),
      h('dd', {}, customerOf(o), o.contact?.name ? ` (${o.contact.name})` : ''),
      h('dt', {}, 'Total'),
      h('dd', {}, money(o.total, o.currency)),
      h('dt', {}, 'Payment'),
      h('dd', {}, badge(o.paymentState), o.paymentMethod ? ` ${label(o.paymentMethod)}` : '', paid ? ` · ${money(paid, o.currency)} paid` : '', refunded ? ` · ${money(refunded, o.currency)} refunded` : ''),
      h('dt', {}, 'Delivery'),
      h('dd', {}, badge(o.deliveryState)),
      h('dt', {}, 'Sales team'),
      h('dd', {}, o.salesTeam, o.salesperson ? ` · ${o.salesperson}` : ''),
      h('dt', {}, 'Created'),
      h('dd', {}, when(o.createdAt)),
      h('dt', {}, 'Workflow'),
      h('dd', {}, h('a', { href: o.temporalUrl, target: '_blank', rel: 'noreferrer', class: 'temporal' }, `${o.workflowId} in the Temporal UI ↗`)),
      h('dt', {}, 'Return link'),
      h('dd', {}, h('input', { readonly: true, value: o.returnUrl, 'aria-label': "The customer's return link", class: 'copy', size: 40 })),
    ),
    section('actions', 'Actions', actions.length ? actions : h('p', { class: 'empty' }, 'Nothing to do on this order now.')),
    section(
      'lines',
      'Lines',
      table(
        'Lines',
        [
          ['Product', (l) => `${l.name} (${l.sku})`],
          ['Quantity', (l) => String(l.quantity)],
          ['Unit price', (l) => money(l.unitPrice, o.currency)],
          ['Subtotal', (l) => money(l.subtotal, o.currency)],
        ],
        o.lines,
        'No lines.',
      ),
    ),
    section(
      'payments',
      'Payments',
      table(
        'Payments',
        [
          ['Reference', (p) => p.reference],
          ['Method', (p) => label(p.method)],
          ['Amount', (p) => money(p.amount, p.currency)],
          ['Status', (p) => label(p.status)],
          ['Provider events', (p) => p.events.map((e) => e.type).join(', ') || '—'],
        ],
        o.payments,
        'No payment yet.',
      ),
    ),
    section('deliveries', 'Deliveries', o.deliveries.length ? o.deliveries.map((d) => deliveryBlock(d)) : h('p', { class: 'empty' }, 'No delivery.')),
    section('returns', 'Returns', returnsTable(o.returns, false)),
    section(
      'refunds',
      'Refunds',
      table(
        'Refunds',
        [
          ['Amount', (r) => money(r.amount, r.currency)],
          ['Status', (r) => [badge(r.status), r.failureReason ? ` ${r.failureReason}` : '']],
          ['Reason', (r) => r.reason ?? ''],
          ['Provider id', (r) => r.providerRefundId ?? '—'],
        ],
        o.refunds,
        'No refund.',
      ),
    ),
    section(
      'emails',
      'Emails',
      table(
        'Emails',
        [
          ['Kind', (e) => e.kind],
          ['To', (e) => e.to],
          ['Subject', (e) => e.subject],
          ['Status', (e) => [label(e.status), e.error ? ` (${e.error})` : '']],
          ['Date', (e) => when(e.sentAt ?? e.createdAt)],
        ],
        o.emails,
        'No email.',
      ),
    ),
    section(
      'timeline',
      'Timeline',
      h('ol', { class: 'timeline' }, o.timeline.map((t) => h('li', {}, h('time', { datetime: t.at }, when(t.at)), ' ', t.message))),
    ),
  ];
}

function returnsTable(items, withReceive) {
  return table(
    'Returns',
    [
      ['Order', (r) => orderLink(r.orderId, r.orderNumber)],
      ['Goods', (r) => r.lines.map((l) => `${l.quantity} × ${l.name} (${l.reason})`).join('; ')],
      ['Amount', (r) => money(r.amount)],
      ['State', (r) => badge(r.state)],
      ['Requested', (r) => when(r.createdAt)],
      [
        '',
        (r) =>
          withReceive && r.state === 'requested'
            ? action({
                name: `Receive the return of ${r.orderNumber}`,
                button: 'Receive',
                method: 'POST',
                path: `/api/returns/${encodeURIComponent(r.id)}/receive`,
                done: (x) => `Return for ${r.orderNumber} received: ${label(x.state).toLowerCase()}.`,
              })
            : '',
      ],
    ],
    items,
    withReceive ? 'No return to receive.' : 'No return.',
  );
}

// ------------------------------------------------------------------ warehouse
async function deliveriesPage() {
  document.title = 'Deliveries · Console';
  const [ready, progress, waiting] = await Promise.all(['ready', 'in_progress', 'waiting'].map((state) => api('GET', `/api/deliveries?state=${state}`)));
  const todo = [...progress.items, ...ready.items];
  return [
    h('h1', {}, 'Deliveries to validate'),
    todo.length ? h('div', { class: 'cards' }, todo.map((d) => deliveryBlock(d, { withOrder: true }))) : h('p', { class: 'empty' }, 'Nothing to validate.'),
    h('h2', {}, 'Waiting for stock'),
    waiting.items.length ? h('div', { class: 'cards' }, waiting.items.map((d) => deliveryBlock(d, { withOrder: true }))) : h('p', { class: 'empty' }, 'None.'),
    h('p', {}, temporalLink('DeliveryState="ready"', 'Orders ready to ship in the Temporal UI')),
  ];
}

async function returnsPage() {
  document.title = 'Returns · Console';
  const [requested, received] = await Promise.all([api('GET', '/api/returns?state=requested'), api('GET', '/api/returns?state=to_refund_manually')]);
  return [
    h('h1', {}, 'Returns to receive'),
    returnsTable(requested.items, true),
    h('h2', {}, 'Received, to refund by hand'),
    h('p', { class: 'hint' }, 'Paid by wire transfer or in store: refund these by bank transfer.'),
    returnsTable(received.items, false),
  ];
}

// ------------------------------------------------------------------ settings
async function settingsPage() {
  document.title = 'Settings · Console';
  const [s, { items: teams }] = await Promise.all([api('GET', '/api/settings'), api('GET', '/api/sales-teams')]);
  const team = teams.find((t) => t.id === s.salesTeamId);
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' });

  const salesForm = action({
    name: 'Sales assignment',
    button: 'Save sales assignment',
    method: 'PATCH',
    path: '/api/settings',
    fields: [
      field('salesTeamId', 'Sales team of new orders', select('salesTeamId', teams.map((t) => [t.id, t.name]), s.salesTeamId)),
      field(
        'salespersonId',
        'Salesperson',
        select('salespersonId', [['', team?.assignment === 'round_robin' ? 'None fixed: the team in turn' : 'None: the team alone'], ...(team?.salespeople ?? []).filter((p) => p.active).map((p) => [p.id, p.name])], s.salespersonId ?? ''),
      ),
    ],
    body: (data) => ({ salesTeamId: data.salesTeamId, ...(data.salesTeamId === s.salesTeamId ? { salespersonId: data.salespersonId || null } : {}) }),
    done: 'Sales assignment saved: new orders get it.',
  });

  const cartForm = action({
    name: 'Abandoned-cart reminder',
    button: 'Save reminder',
    method: 'PATCH',
    path: '/api/settings',
    fields: [
      h('p', { class: 'field' }, h('label', {}, input('ac-enabled', { type: 'checkbox', name: 'enabled', checked: s.abandonedCart.enabled }), ' Send a reminder to idle carts with a known contact')),
      field('ac-delay', 'Delay (e.g. 90s, 30m, 10h, 2d)', input('ac-delay', { name: 'delay', value: s.abandonedCart.delay, required: true, maxlength: 20 })),
      field('ac-subject', 'Subject', input('ac-subject', { name: 'subject', value: s.abandonedCart.subject, required: true, maxlength: 200, size: 50 })),
      field('ac-body', 'Body', h('textarea', { id: 'ac-body', name: 'body', rows: 8, cols: 60, required: true, maxlength: 10000 }, s.abandonedCart.body)),
      h('p', { class: 'hint' }, 'Placeholders: {{customer_name}}, {{shop_name}}, {{lines}}, {{total}}, {{recovery_link}}, {{order_number}}.'),
      h(
        'p',
        {},
        h(
          'button',
          {
            type: 'button',
            onclick: async (event) => {
              const form = event.target.closest('form');
              const data = Object.fromEntries(new FormData(form));
              try {
                const r = await api('POST', '/api/settings/abandoned-cart/preview', { subject: data.subject, body: data.body });
                const html = document.createElement('div');
                // The API's rendering escapes the template and every value; only its own tags remain.
                html.innerHTML = r.html;
                preview.replaceChildren(h('h3', {}, 'Preview'), h('p', {}, h('strong', {}, 'Subject: '), r.subject), h('div', { class: 'email' }, html));
              } catch (e) {
                preview.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.message));
              }
            },
          },
          'Preview',
        ),
      ),
      preview,
    ],
    body: (data) => ({ abandonedCart: { enabled: data.enabled === 'on', delay: data.delay.trim(), subject: data.subject, body: data.body } }),
    done: 'Reminder saved: open carts follow the new delay at once.',
  });

  const deliveryForm = action({
    name: 'Delivery and returns',
    button: 'Save delivery and returns',
    method: 'PATCH',
    path: '/api/settings',
    fields: [
      field('deliverySteps', 'Delivery steps', select('deliverySteps', ['ship_only', 'pick_ship', 'pick_pack_ship'].map((v) => [v, label(v)]), s.deliverySteps)),
      h('p', { class: 'field' }, h('label', {}, input('deliveryDoneEmail', { type: 'checkbox', checked: s.deliveryDoneEmail }), ' Email the customer when the delivery is done')),
      field('returnWindowDays', 'Return window (days after delivery)', input('returnWindowDays', { type: 'number', min: 0, max: 365, value: s.returnWindowDays, required: true })),
    ],
    body: (data) => ({ deliverySteps: data.deliverySteps, deliveryDoneEmail: data.deliveryDoneEmail === 'on', returnWindowDays: Number(data.returnWindowDays) }),
    done: 'Delivery and returns saved.',
  });

  const teamBlocks = teams.map((t) =>
    h(
      'article',
      { class: 'team', 'aria-label': `Team ${t.name}` },
      h('h3', {}, t.name, t.id === s.salesTeamId ? h('small', {}, ' (new orders)') : null),
      action({
        name: `Assignment of ${t.name}`,
        button: 'Save',
        method: 'PATCH',
        path: `/api/sales-teams/${encodeURIComponent(t.id)}`,
        fields: [field(`assign-${t.id}`, 'Orders go to', select(`assign-${t.id}`, ['team_only', 'round_robin'].map((v) => [v, label(v)]), t.assignment, { name: 'assignment' }))],
        body: (data) => ({ assignment: data.assignment }),
        done: `${t.name}: assignment saved.`,
      }),
      table(
        `Salespeople of ${t.name}`,
        [
          ['Salesperson', (p) => [p.name, p.email ? h('small', {}, ` ${p.email}`) : null]],
          ['Status', (p) => (p.active ? 'Active' : 'Inactive')],
          [
            '',
            (p) =>
              action({
                name: `${p.active ? 'Deactivate' : 'Activate'} ${p.name}`,
                button: p.active ? 'Deactivate' : 'Activate',
                method: 'PATCH',
                path: `/api/salespeople/${encodeURIComponent(p.id)}`,
                body: () => ({ active: !p.active }),
                done: `${p.name} is ${p.active ? 'inactive' : 'active'}.`,
              }),
          ],
        ],
        t.salespeople,
        'No salesperson yet.',
      ),
      action({
        name: `Add a salesperson to ${t.name}`,
        button: 'Add salesperson',
        method: 'POST',
        path: `/api/sales-teams/${encodeURIComponent(t.id)}/salespeople`,
        fields: [
          field(`sp-name-${t.id}`, 'Name', input(`sp-name-${t.id}`, { name: 'name', required: true, maxlength: 200 })),
          field(`sp-email-${t.id}`, 'Email (optional)', input(`sp-email-${t.id}`, { name: 'email', type: 'email', maxlength: 254 })),
        ],
        body: (data) => ({ name: data.name, ...(data.email ? { email: data.email } : {}) }),
        done: (p) => `${p.name} joined ${t.name}.`,
        className: 'inline',
      }),
    ),
  );

  return [
    h('h1', {}, 'Settings'),
    section('sales', 'Sales', salesForm),
    section('cart', 'Abandoned-cart reminder', cartForm),
    section('delivery', 'Delivery and returns', deliveryForm),
    section(
      'teams',
      'Sales teams',
      teamBlocks,
      h('h3', {}, 'New team'),
      action({
        name: 'New sales team',
        button: 'Create team',
        method: 'POST',
        path: '/api/sales-teams',
        fields: [
          field('team-name', 'Name', input('team-name', { name: 'name', required: true, maxlength: 200 })),
          field('team-assignment', 'Orders go to', select('team-assignment', ['team_only', 'round_robin'].map((v) => [v, label(v)]), 'team_only', { name: 'assignment' })),
        ],
        body: (data) => ({ name: data.name, assignment: data.assignment }),
        done: (t) => `Team ${t.name} created.`,
        className: 'inline',
      }),
    ),
  ];
}

// ------------------------------------------------------------------ routing
const PAGES = [
  [/^\/console\/orders\/?$/, () => ordersPage('sale'), '/console/orders'],
  [/^\/console\/unpaid\/?$/, () => ordersPage('sent'), '/console/unpaid'],
  [/^\/console\/abandoned-carts\/?$/, abandonedPage, '/console/abandoned-carts'],
  [/^\/console\/orders\/([\w-]+)\/?$/, (m) => orderPage(m[1]), null],
  [/^\/console\/deliveries\/?$/, deliveriesPage, '/console/deliveries'],
  [/^\/console\/returns\/?$/, returnsPage, '/console/returns'],
  [/^\/console\/settings\/?$/, settingsPage, '/console/settings'],
];

let rendering = 0;
async function render() {
  const mine = ++rendering;
  for (const [pattern, page, nav] of PAGES) {
    const match = pattern.exec(location.pathname);
    if (!match) continue;
    for (const a of document.querySelectorAll('header nav a')) {
      if (a.getAttribute('href') === (nav ?? '')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    let content;
    try {
      content = await page(match);
    } catch (e) {
      content = [h('h1', {}, e.status === 404 ? 'Not found' : 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, e.message)];
    }
    if (mine !== rendering) return;
    main.replaceChildren(...[content].flat(Infinity));
    main.dataset.ready = 'true';
    return;
  }
  main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '/console/orders' }, 'Orders')));
}

render();
