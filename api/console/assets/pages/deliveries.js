// @ts-check
// The warehouse: deliveries to validate step by step, and those waiting for stock.
/** @import { Delivery, ValidateRequest } from '../../api-types.js' */
/** @import { Child } from '../../dom-types.js' */
import { getDelivery, labelUrl, listDeliveries, parcelLabelUrl, relabelParcel, validateDelivery, voidParcel } from '../api.js';
import { action, h } from '../dom.js';
import { badge, label, orderLink, temporalLink } from '../format.js';

/** @type {Record<Delivery['steps'][number]['state'], string>} */
const STEP_LABELS = { waiting: 'To do', ready: 'Ready', done: 'Done' };

/** @typedef {NonNullable<Delivery['parcels']>[number]} Parcel */

/**
 * The packer's split, one parcel per line: "MUG-BLUE 2, TEE-M 1" (a line may
 * end with "@ 1200g" for the parcel's weight). Empty: one parcel with
 * everything. The API checks the split itself (every unit in exactly one parcel).
 * @param {string} text
 * @returns {ValidateRequest['parcels']}
 */
export function parseParcels(text) {
  const rows = text.split('\n').map((row) => row.trim()).filter(Boolean);
  if (rows.length === 0) return undefined;
  return rows.map((row, i) => {
    const [goods = '', weight] = row.split('@').map((part) => part.trim());
    const lines = goods
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .map((item) => {
        const match = /^(\S+)\s+(\d+)$/.exec(item);
        if (!match) throw new Error(`Parcel ${i + 1}: write each item as "SKU quantity" (got "${item}").`);
        return { sku: match[1] ?? '', quantity: Number(match[2]) };
      });
    const grams = weight === undefined ? undefined : /^(\d+)\s*g?$/.exec(weight);
    if (weight !== undefined && !grams) throw new Error(`Parcel ${i + 1}: the weight is written like "@ 1200g".`);
    return grams ? { lines, weightGrams: Number(grams[1]) } : { lines };
  });
}

/**
 * One parcel: its goods, tracking (with the carrier's page), its own label,
 * and Void (before the goods leave) or Label again (once voided).
 * @param {Delivery} d
 * @param {Parcel} p
 * @param {(r: Delivery) => void} redrawCard
 */
function parcelItem(d, p, redrawCard) {
  const goods = p.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ');
  const weight = p.weightGrams === null ? '' : ` · ${(p.weightGrams / 1000).toFixed(2)} kg`;
  return h(
    'li',
    { class: `parcel parcel-${p.state}`, 'aria-label': `Parcel ${p.id}` },
    `${p.id}: ${goods}${weight} · `,
    p.trackingUrl ? h('a', { href: p.trackingUrl, target: '_blank', rel: 'noreferrer' }, p.trackingNumber) : p.trackingNumber,
    ' ',
    badge(p.state),
    p.state === 'labelled' ? [' ', h('a', { href: parcelLabelUrl(d.id, p.id), target: '_blank', rel: 'noreferrer' }, 'Print this label')] : null,
    p.state === 'labelled'
      ? action({
          name: `Void the label of ${p.id} of ${d.orderNumber}`,
          button: 'Void',
          confirmText: `Void the label of ${p.id} at the carrier?`,
          send: () => voidParcel(d.id, p.id),
          done: `${d.orderNumber}: the label of ${p.id} is voided.`,
          after: redrawCard,
          className: 'inline',
        })
      : null,
    p.state === 'voided'
      ? action({
          name: `Label ${p.id} of ${d.orderNumber} again`,
          button: 'Label again',
          send: () => relabelParcel(d.id, p.id),
          done: (r) => `${d.orderNumber}: ${p.id} labelled again (${r.parcels?.find((q) => q.id === p.id)?.trackingNumber ?? ''}).`,
          after: redrawCard,
          className: 'inline',
        })
      : null,
  );
}

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
  // The step that prints the labels (pack, or ship without a pack step) takes the packer's split.
  const labelling = current !== undefined && !d.trackingNumber && current.name === (d.steps.some((s) => s.name === 'pack') ? 'pack' : 'ship');
  /** @param {Delivery} r */
  const redrawCard = (r) => card.replaceWith(deliveryBlock(r, { withOrder }));
  const card = h(
    'article',
    { class: 'delivery', 'aria-label': `${d.backorderOf ? 'Backorder' : 'Delivery'} ${d.orderNumber}` },
    h('h3', {}, withOrder ? orderLink(d.orderId, d.orderNumber) : d.backorderOf ? 'Backorder' : 'Delivery', ' ', badge(d.state)),
    // Shipping policy "as soon as possible": the rest of the order, after its first delivery.
    d.backorderOf ? h('p', { class: 'hint' }, 'Backorder: the rest of this order, shipped when the stock arrives.') : null,
    steps,
    d.trackingNumber ? h('p', {}, `Tracking: ${d.trackingNumber}${d.carrier ? ` (${d.carrier})` : ''}`) : null,
    d.labelUrl ? h('p', {}, h('a', { href: labelUrl(d.id), target: '_blank', rel: 'noreferrer' }, d.parcels && d.parcels.length > 1 ? 'Print all labels (PDF)' : 'Shipping label (PDF)')) : null,
    d.parcels?.length ? h('ul', { class: 'parcels' }, d.parcels.map((p) => parcelItem(d, p, redrawCard))) : null,
    d.state === 'waiting' ? h('p', { class: 'hint' }, 'Waiting for stock: validate once the goods are reserved.') : null,
    current && canValidate
      ? action({
          name: `Validate ${current.name} of ${d.orderNumber}`,
          button: `Validate ${current.name}`,
          fields: labelling
            ? h(
                'label',
                {},
                'Parcels, one per line (e.g. "MUG-BLUE 2, TEE-M 1 @ 1200g"); empty: one parcel',
                h('textarea', { name: 'parcels', rows: 3, 'aria-label': `Parcels of ${d.orderNumber}` }),
              )
            : [],
          send: (values) => {
            const parcels = labelling ? parseParcels(values.parcels ?? '') : undefined;
            return validateDelivery(d.id, parcels ? { step: current.name, parcels } : { step: current.name });
          },
          done: (r) => `${d.orderNumber}: ${current.name} validated (delivery ${label(r.state).toLowerCase()}).`,
          after: redrawCard,
        })
      : null,
  );
  return card;
}

/** @returns {Promise<Child>} */
export async function deliveriesPage() {
  document.title = 'Deliveries · Console';
  const [ready, progress, waiting] = await Promise.all([listDeliveries('ready'), listDeliveries('in_progress'), listDeliveries('waiting')]);
  // The lists are the projection, without parcels: a labelled delivery is read live to show its parcels.
  const todo = await Promise.all([...progress.items, ...ready.items].map((d) => (d.trackingNumber ? getDelivery(d.id) : d)));
  return [
    h('h1', {}, 'Deliveries to validate'),
    todo.length ? h('div', { class: 'cards' }, todo.map((d) => deliveryBlock(d, { withOrder: true }))) : h('p', { class: 'empty' }, 'Nothing to validate.'),
    h('h2', {}, 'Waiting for stock'),
    waiting.items.length ? h('div', { class: 'cards' }, waiting.items.map((d) => deliveryBlock(d, { withOrder: true }))) : h('p', { class: 'empty' }, 'None.'),
    h('p', {}, temporalLink('DeliveryState="ready"', 'Orders ready to ship in the Temporal UI')),
  ];
}
