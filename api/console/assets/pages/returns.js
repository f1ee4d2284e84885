// @ts-check
// Returns: those to receive at the warehouse, and those to refund by hand.
/** @import { Return } from '../../api-types.js' */
/** @import { Child } from '../../dom-types.js' */
import { listReturns, receiveReturn } from '../api.js';
import { action, h, table } from '../dom.js';
import { badge, label, money, orderLink, when } from '../format.js';

/**
 * @param {Return[]} items
 * @param {boolean} withReceive a "Receive" button on returns still requested
 */
export function returnsTable(items, withReceive) {
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
                send: () => receiveReturn(r.id),
                done: (x) => `Return for ${r.orderNumber} received: ${label(x.state).toLowerCase()}.`,
              })
            : '',
      ],
    ],
    items,
    withReceive ? 'No return to receive.' : 'No return.',
  );
}

/** @returns {Promise<Child>} */
export async function returnsPage() {
  document.title = 'Returns · Console';
  const [requested, received] = await Promise.all([listReturns('requested'), listReturns('to_refund_manually')]);
  return [
    h('h1', {}, 'Returns to receive'),
    returnsTable(requested.items, true),
    h('h2', {}, 'Received, to refund by hand'),
    h('p', { class: 'hint' }, 'Paid by wire transfer or in store: refund these by bank transfer.'),
    returnsTable(received.items, false),
  ];
}
