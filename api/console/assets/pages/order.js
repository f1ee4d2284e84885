// @ts-check
// One order: what it is, what can be done with it now, and its whole story
// (lines, payments, deliveries, returns, refunds, emails, timeline).
/** @import { OrderDetail } from '../../api-types.js' */
/** @import { Child } from '../../dom-types.js' */
import { cancelOrder, confirmOrder, getOrder, getOrderInvoices, recordPayment, refundOrder } from '../api.js';
import { action, chosen, field, h, input, section, select, table } from '../dom.js';
import { badge, customerOf, label, minorUnits, money, when } from '../format.js';
import { deliveryBlock } from './deliveries.js';
import { returnsTable } from './returns.js';

/** What the operator may do with the order in its state. @param {OrderDetail} o @returns {Child[]} */
function actionsOf(o) {
  const actions = [];
  const payPage = o.payments.find((p) => p.paymentUrl);
  // A card quotation whose payment page is open waits for the customer, like one sent (the brief: sent once they went through payment).
  const cardOpen = o.paymentMethod === 'card' && (o.state === 'sent' || (o.state === 'draft' && o.payments.some((p) => p.status === 'pending')));
  if (cardOpen) {
    actions.push(
      h(
        'p',
        {},
        'Waiting for the card payment: the provider confirms it. ',
        payPage?.paymentUrl ? h('a', { href: new URL(payPage.paymentUrl).pathname, target: '_blank', rel: 'noreferrer' }, "Open the demo provider's payment page ↗") : null,
      ),
    );
  } else if (o.state === 'sent') {
    actions.push(
      action({
        name: 'Confirm the order',
        button: 'Confirm the order',
        // Pay in store is often paid at pickup: the operator says whether the money is already here.
        fields: [
          h(
            'p',
            { class: 'field' },
            h('label', {}, input('payment-received', { type: 'checkbox', name: 'paymentReceived', checked: o.paymentMethod === 'wire_transfer' }), ` ${label(o.paymentMethod)} received`),
          ),
        ],
        send: (values) => confirmOrder(o.id, { paymentReceived: values.paymentReceived === 'on' }),
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
        fields: [field('cancel-reason', 'Reason (optional)', input('cancel-reason', { name: 'reason', maxlength: 500 }))],
        send: (values) => cancelOrder(o.id, { reason: values.reason || undefined }),
        confirmText: `Cancel ${o.number}? Reserved stock is released and open deliveries are cancelled.`,
        done: (r) => `${r.number} is cancelled.`,
      }),
    );
  }
  // A confirmed order paid offline whose money has not all come (paid at pickup, a late wire): the operator records what arrives.
  if (o.state === 'sale' && o.amountDue !== undefined && o.amountDue > 0) {
    /** @type {ReadonlyArray<'pay_in_store' | 'wire_transfer'>} */
    const ways = ['pay_in_store', 'wire_transfer'];
    actions.push(
      action({
        name: 'Record a payment',
        button: 'Record the payment',
        fields: [
          field('payment-amount', `Amount received in ${o.currency} (${money(o.amountDue, o.currency)} due)`, input('payment-amount', { name: 'amount', inputmode: 'decimal', pattern: '\\d+([.,]\\d{1,2})?', size: 10, required: true, value: (o.amountDue / 100).toFixed(2) })),
          field('payment-method', 'How it came', select('payment-method', ways.map((w) => /** @type {[string, string]} */ ([w, label(w)])), o.paymentMethod === 'wire_transfer' ? 'wire_transfer' : 'pay_in_store', { name: 'method' })),
          field('payment-note', 'Note (optional)', input('payment-note', { name: 'note', maxlength: 500 })),
        ],
        send: (values) => recordPayment(o.id, { amount: minorUnits(values.amount) ?? 0, method: chosen(ways, values.method), note: values.note || undefined }),
        done: (r) => (r.paymentState === 'paid' ? `${r.number} is paid in full.` : `Payment recorded: ${money(r.amountDue ?? 0, r.currency)} still due.`),
      }),
    );
  }
  // Returns the provider cannot refund wait for the shop's bank transfer, as does the money a cancelled offline order kept: the operator records it once made.
  const waiting = o.returns.filter((r) => r.state === 'to_refund_manually');
  const cancelledOwing = o.state === 'cancel' && (o.refundDue ?? 0) > 0 && o.paymentMethod !== 'card';
  if (waiting.length || cancelledOwing) {
    const owed = cancelledOwing ? (o.refundDue ?? 0) : waiting.reduce((sum, r) => sum + r.amount, 0);
    const hint = cancelledOwing
      ? `The order was cancelled keeping ${money(owed, o.currency)} of the customer's money: refund it by bank transfer, then record it here.`
      : `${waiting.length === 1 ? 'A return waits' : `${waiting.length} returns wait`} for a refund by hand (${money(owed, o.currency)}): record it once the bank transfer is made.`;
    actions.push(
      action({
        name: 'Record a manual refund',
        button: 'Record the refund',
        fields: [
          h('p', { class: 'hint' }, hint),
          field('manual-refund-amount', `Amount refunded in ${o.currency}`, input('manual-refund-amount', { name: 'amount', inputmode: 'decimal', pattern: '\\d+([.,]\\d{1,2})?', size: 10, value: (owed / 100).toFixed(2) })),
          field('manual-refund-reason', 'Reason (optional)', input('manual-refund-reason', { name: 'reason', maxlength: 500 })),
        ],
        send: (values) => refundOrder(o.id, { amount: minorUnits(values.amount), reason: values.reason || undefined, manual: true }),
        done: (r) => `Manual refund of ${money(r.amount, r.currency)} recorded.`,
      }),
    );
  }
  // Through the provider: only a payment it took (money recorded by hand never went through one).
  if ((o.paymentState === 'paid' || o.paymentState === 'partially_refunded') && o.payments.some((p) => p.status === 'succeeded' || p.status === 'paid')) {
    actions.push(
      action({
        name: 'Refund',
        button: 'Refund',
        fields: [
          field('refund-amount', `Amount in ${o.currency} (empty: everything left)`, input('refund-amount', { name: 'amount', inputmode: 'decimal', pattern: '\\d+([.,]\\d{1,2})?', size: 10 })),
          field('refund-reason', 'Reason (optional)', input('refund-reason', { name: 'reason', maxlength: 500 })),
        ],
        send: (values) => refundOrder(o.id, { amount: minorUnits(values.amount), reason: values.reason || undefined }),
        done: (r) => `Refund of ${money(r.amount, r.currency)} started.`,
      }),
    );
  }
  return actions;
}

/** @param {string} id @returns {Promise<Child>} */
export async function orderPage(id) {
  const [o, invoices] = await Promise.all([getOrder(id), getOrderInvoices(id)]);
  document.title = `${o.number} · Console`;
  const paid = o.payments.filter((p) => p.status === 'succeeded' || p.status === 'paid').reduce((sum, p) => sum + p.amount, 0);
  // Received by hand without covering the total (an order cancelled before it did): still the customer's money.
  const receivedByHand = paid ? 0 : (o.receipts ?? []).reduce((sum, r) => sum + r.amount, 0);
  const refunded = o.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  const actions = actionsOf(o);
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
      h('dd', {}, badge(o.paymentState), o.paymentMethod ? ` ${label(o.paymentMethod)}` : '', paid ? ` · ${money(paid, o.currency)} paid` : '', receivedByHand ? ` · ${money(receivedByHand, o.currency)} received` : '', refunded ? ` · ${money(refunded, o.currency)} refunded` : '', o.amountDue ? ` · ${money(o.amountDue, o.currency)} due` : '', o.refundDue ? ` · ${money(o.refundDue, o.currency)} owed to the customer` : ''),
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
      o.receipts?.length
        ? table(
            'Received by hand',
            [
              ['Date', (r) => when(r.at)],
              ['Amount', (r) => money(r.amount, r.currency)],
              ['Received', (r) => label(r.method)],
              ['Note', (r) => r.note ?? ''],
            ],
            o.receipts,
            '',
          )
        : null,
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
          ['Provider id', (r) => (r.manual ? 'Made by hand' : (r.providerRefundId ?? '—'))],
        ],
        o.refunds,
        'No refund.',
      ),
    ),
    section(
      'invoices',
      'Invoices',
      table(
        'Invoices and credit notes',
        [
          // The session cookie authorizes the download: a plain link opens the PDF.
          ['Number', (i) => h('a', { href: `/api/invoices/${encodeURIComponent(i.id)}/pdf`, target: '_blank', rel: 'noreferrer' }, `${i.number} (PDF)`)],
          ['Kind', (i) => (i.kind === 'invoice' ? 'Invoice' : 'Credit note')],
          ['Untaxed', (i) => money(i.untaxedAmount, i.currency)],
          ['Tax', (i) => money(i.taxAmount, i.currency)],
          ['Total', (i) => money(i.amount, i.currency)],
          ['Date', (i) => when(i.issuedAt)],
        ],
        invoices.items,
        'No invoice.',
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
          // The PDF is rendered from the stored document: the same link as the invoices section's.
          ['Attachment', (e) => (e.attachment ? h('a', { href: `/api/invoices/${encodeURIComponent(e.attachment.invoiceId)}/pdf`, target: '_blank', rel: 'noreferrer' }, e.attachment.filename) : '—')],
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
