// @ts-check
// The warehouse: deliveries to validate step by step, and those waiting for stock.
/** @import { Delivery } from '../../api-types.js' */
/** @import { Child } from '../../dom-types.js' */
import { labelUrl, listDeliveries, validateDelivery } from '../api.js';
import { action, h } from '../dom.js';
import { badge, label, orderLink, temporalLink } from '../format.js';

/** @type {Record<Delivery['steps'][number]['state'], string>} */
const STEP_LABELS = { waiting: 'To do', ready: 'Ready', done: 'Done' };

/**
 * A delivery's card: its steps and the button for the next one. Validating
 * redraws the card from the API's answer (the lists catch up a moment later).
 * @param {Delivery} d
 * @param {{ withOrder?: boolean }} [options] link to the order (in the warehouse's lists)
 * @returns {HTMLElement}
 */
export function deliveryBlock(d, { withOrder = false } = {}) {
  const current = d.steps.find((s) => s.state !== 'done');
  const steps = h(
    'ol',
    { class: 'steps' },
    d.steps.map((s) => h('li', { class: `step step-${s.state}` }, `${s.name.charAt(0).toUpperCase()}${s.name.slice(1)}: ${STEP_LABELS[s.state] ?? s.state}`)),
  );
  const canValidate = current && (d.state === 'ready' || d.state === 'in_progress');
  const card = h(
    'article',
    { class: 'delivery', 'aria-label': `Delivery ${d.orderNumber}` },
    h('h3', {}, withOrder ? orderLink(d.orderId, d.orderNumber) : 'Delivery', ' ', badge(d.state)),
    steps,
    d.trackingNumber ? h('p', {}, `Tracking: ${d.trackingNumber}${d.carrier ? ` (${d.carrier})` : ''}`) : null,
    d.labelUrl ? h('p', {}, h('a', { href: labelUrl(d.id), target: '_blank', rel: 'noreferrer' }, 'Shipping label (PDF)')) : null,
    d.state === 'waiting' ? h('p', { class: 'hint' }, 'Waiting for stock: validate once the goods are reserved.') : null,
    current && canValidate
      ? action({
          name: `Validate ${current.name} of ${d.orderNumber}`,
          button: `Validate ${current.name}`,
          send: () => validateDelivery(d.id, { step: current.name }),
          done: (r) => `${d.orderNumber}: ${current.name} validated (delivery ${label(r.state).toLowerCase()}).`,
          after: (r) => card.replaceWith(deliveryBlock(r, { withOrder })),
        })
      : null,
  );
  return card;
}

/** @returns {Promise<Child>} */
export async function deliveriesPage() {
  document.title = 'Deliveries · Console';
  const [ready, progress, waiting] = await Promise.all([listDeliveries('ready'), listDeliveries('in_progress'), listDeliveries('waiting')]);
  const todo = [...progress.items, ...ready.items];
  return [
    h('h1', {}, 'Deliveries to validate'),
    todo.length ? h('div', { class: 'cards' }, todo.map((d) => deliveryBlock(d, { withOrder: true }))) : h('p', { class: 'empty' }, 'Nothing to validate.'),
    h('h2', {}, 'Waiting for stock'),
    waiting.items.length ? h('div', { class: 'cards' }, waiting.items.map((d) => deliveryBlock(d, { withOrder: true }))) : h('p', { class: 'empty' }, 'None.'),
    h('p', {}, temporalLink('DeliveryState="ready"', 'Orders ready to ship in the Temporal UI')),
  ];
}
