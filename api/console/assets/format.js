// @ts-check
// How the API's values read on a page: states as words, money in the shop's
// currency, dates, and the links every page shares.
/** @import { Order } from '../api-types.js' */
import { h, meta } from './dom.js';

const TEMPORAL = meta('temporal-ui');
const CURRENCY = meta('currency') || 'EUR';

/** @type {Record<string, string>} */
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
  when_all_ready: 'When all products are ready (one delivery)',
  as_soon_as_possible: 'As soon as possible (what is there now, a backorder for the rest)',
};

/** @param {string | null | undefined} value */
export const label = (value) => LABELS[value ?? ''] ?? String(value ?? '—');
/** @param {string} value */
export const badge = (value) => h('span', { class: `badge badge-${value}` }, label(value));
/** @param {number | null | undefined} minor @param {string} [currency] */
export const money = (minor, currency) => new Intl.NumberFormat('en', { style: 'currency', currency: currency || CURRENCY }).format((minor ?? 0) / 100);
/** @param {string | null | undefined} iso */
export const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '');
/** The customer's email as far as it is known. @param {Pick<Order, 'contact' | 'customer' | 'customerEmail'>} o */
export const customerOf = (o) => o.contact?.email ?? o.customer?.email ?? o.customerEmail ?? '—';
/** @param {string} id @param {string} [number] */
export const orderLink = (id, number) => h('a', { href: `/console/orders/${encodeURIComponent(id)}` }, number ?? id);
/** A search of the Temporal UI, in a tab of its own. @param {string} query @param {string} text */
export const temporalLink = (query, text) =>
  h('a', { href: `${TEMPORAL}/workflows?query=${encodeURIComponent(query)}`, target: '_blank', rel: 'noreferrer', class: 'temporal' }, `${text} ↗`);
/** "12.50" in the shop's currency to minor units; empty stays absent. @param {string | undefined} text */
export const minorUnits = (text) => (text === undefined || String(text).trim() === '' ? undefined : Math.round(Number(String(text).replace(',', '.')) * 100));
