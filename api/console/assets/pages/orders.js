// @ts-check
// The lists of orders: sales orders, unpaid quotations, abandoned carts.
/** @import { Order, OrderList } from '../../api-types.js' */
/** @import { Child } from '../../dom-types.js' */
/** @import { Column } from '../dom.js' */
import { getSettings, listAbandonedCarts, listOrders } from '../api.js';
import { field, h, input, select, table } from '../dom.js';
import { badge, customerOf, label, money, orderLink, temporalLink, when } from '../format.js';

/** @type {Column<Order>} */
const SALES_TEAM = ['Sales team', (o) => [o.salesTeam, o.salesperson ? h('small', {}, ` · ${o.salesperson}`) : null]];

/** @type {Column<Order>[]} */
const ORDER_COLUMNS = [
  ['Number', (o) => orderLink(o.id, o.number)],
  ['Customer', customerOf],
  ['Total', (o) => money(o.total, o.currency)],
  ['State', (o) => badge(o.state)],
  ['Payment', (o) => [badge(o.paymentState), o.paymentMethod ? h('small', {}, ` ${label(o.paymentMethod)}`) : null]],
  ['Delivery', (o) => badge(o.deliveryState)],
  SALES_TEAM,
  ['Date', (o) => when(o.createdAt)],
];

/** @typedef {{ key: string, label: string, options: Array<[string, string]> }} Filter */

/** @type {Array<[Order['paymentState'] | '', string]>} */
const PAYMENT_FILTER = [['', 'Any'], ['paid', 'Paid'], ['partially_refunded', 'Partially refunded'], ['refunded', 'Refunded']];

/**
 * A search box, a page of the API's list and links to the next page, keeping the query in the address.
 * @param {{ load: (query: URLSearchParams) => Promise<OrderList>, fixed?: Record<string, string>, filters?: Filter[], title: string, columns: Column<Order>[], empty: string }} list
 * @returns {Promise<Child>}
 */
async function pagedList({ load, fixed = {}, filters = [], title, columns, empty }) {
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams({ ...fixed, limit: '25' });
  for (const key of ['q', 'cursor', ...filters.map((f) => f.key)]) {
    const value = params.get(key);
    if (value) query.set(key, value);
  }
  const page = await load(query);
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

/** Sales orders ('sale') or quotations sent and not yet paid ('sent'). @param {'sale' | 'sent'} state @returns {Promise<Child>} */
export async function ordersPage(state) {
  const title = state === 'sale' ? 'Orders' : 'Unpaid orders';
  document.title = `${title} · Console`;
  const list = await pagedList({
    load: listOrders,
    fixed: { state },
    filters: state === 'sale' ? [{ key: 'paymentState', label: 'Payment', options: PAYMENT_FILTER }] : [],
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

/** @returns {Promise<Child>} */
export async function abandonedPage() {
  document.title = 'Abandoned carts · Console';
  const settings = await getSettings();
  const list = await pagedList({
    load: listAbandonedCarts,
    title: 'Abandoned carts',
    columns: [
      ['Number', (o) => orderLink(o.id, o.number)],
      ['Customer', customerOf],
      ['Total', (o) => money(o.total, o.currency)],
      ['Lines', (o) => o.lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')],
      ['Reminders sent', (o) => String(o.remindersSent ?? 0)],
      ['Idle since', (o) => when(o.lastCustomerActivityAt ?? o.updatedAt)],
      SALES_TEAM,
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
