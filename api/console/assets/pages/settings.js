// @ts-check
// Settings: who new orders go to, the abandoned-cart reminder, the payment
// methods, delivery and returns, and the sales teams with their salespeople.
/** @import { SalesTeam, Settings } from '../../api-types.js' */
/** @import { Child } from '../../dom-types.js' */
import { addSalesperson, changeSalesperson, changeSalesTeam, changeSettings, createSalesTeam, getSettings, listSalesTeams, previewReminder } from '../api.js';
import { action, chosen, field, formValues, h, input, section, select, table } from '../dom.js';
import { label } from '../format.js';

/** @type {ReadonlyArray<SalesTeam['assignment']>} */
const ASSIGNMENTS = ['team_only', 'round_robin'];
/** @type {ReadonlyArray<Settings['deliverySteps']>} */
const DELIVERY_STEPS = ['ship_only', 'pick_ship', 'pick_pack_ship'];
/** @type {ReadonlyArray<Settings['shippingPolicy']>} */
const SHIPPING_POLICIES = ['when_all_ready', 'as_soon_as_possible'];
/** @param {readonly string[]} values @returns {Array<[string, string]>} */
const labelled = (values) => values.map((v) => [v, label(v)]);

/** @param {Settings} s @param {SalesTeam[]} teams */
function salesForm(s, teams) {
  const team = teams.find((t) => t.id === s.salesTeamId);
  return action({
    name: 'Sales assignment',
    button: 'Save sales assignment',
    fields: [
      field('salesTeamId', 'Sales team of new orders', select('salesTeamId', teams.map((t) => [t.id, t.name]), s.salesTeamId)),
      field(
        'salespersonId',
        'Salesperson',
        select(
          'salespersonId',
          [['', team?.assignment === 'round_robin' ? 'None fixed: the team in turn' : 'None: the team alone'], ...(team?.salespeople ?? []).filter((p) => p.active).map((p) => /** @type {[string, string]} */ ([p.id, p.name]))],
          s.salespersonId ?? '',
        ),
      ),
    ],
    // The salespeople listed are the saved team's: with another team chosen, none of them is sent.
    send: (values) =>
      changeSettings({ salesTeamId: values.salesTeamId, salespersonId: values.salesTeamId === s.salesTeamId ? values.salespersonId || null : undefined }),
    done: 'Sales assignment saved: new orders get it.',
  });
}

/** @param {Settings} s */
function cartForm(s) {
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
  /** @param {Event} event */
  const showPreview = async (event) => {
    const form = /** @type {HTMLElement} */ (event.target).closest('form');
    if (!form) return;
    const values = formValues(form);
    try {
      const r = await previewReminder({ subject: values.subject, body: values.body });
      const html = document.createElement('div');
      // The API's rendering escapes the template and every value; only its own tags remain.
      html.innerHTML = r.html;
      preview.replaceChildren(h('h3', {}, 'Preview'), h('p', {}, h('strong', {}, 'Subject: '), r.subject), h('div', { class: 'email' }, html));
    } catch (e) {
      preview.replaceChildren(h('p', { class: 'error', role: 'alert' }, e instanceof Error ? e.message : String(e)));
    }
  };
  return action({
    name: 'Abandoned-cart reminder',
    button: 'Save reminder',
    fields: [
      h('p', { class: 'field' }, h('label', {}, input('ac-enabled', { type: 'checkbox', name: 'enabled', checked: s.abandonedCart.enabled }), ' Send a reminder to idle carts with a known contact')),
      field('ac-delay', 'Delay (e.g. 90s, 30m, 10h, 2d)', input('ac-delay', { name: 'delay', value: s.abandonedCart.delay, required: true, maxlength: 20 })),
      field('ac-subject', 'Subject', input('ac-subject', { name: 'subject', value: s.abandonedCart.subject, required: true, maxlength: 200, size: 50 })),
      field('ac-body', 'Body', h('textarea', { id: 'ac-body', name: 'body', rows: 8, cols: 60, required: true, maxlength: 10000 }, s.abandonedCart.body)),
      h('p', { class: 'hint' }, 'Placeholders: {{customer_name}}, {{shop_name}}, {{lines}}, {{total}}, {{recovery_link}}, {{order_number}}.'),
      h('p', {}, h('button', { type: 'button', onclick: showPreview }, 'Preview')),
      preview,
    ],
    send: (values) =>
      changeSettings({ abandonedCart: { enabled: values.enabled === 'on', delay: (values.delay ?? '').trim(), subject: values.subject, body: values.body } }),
    done: 'Reminder saved: open carts follow the new delay at once.',
  });
}

/** The methods customers may check out with; the card provider is the server's (STRIPE_SECRET_KEY, or the demo outside production). @param {Settings} s */
function paymentMethodsForm(s) {
  const { card, wire_transfer: wire, pay_in_store: store } = s.paymentMethods;
  const check = (/** @type {string} */ id, /** @type {boolean} */ checked, /** @type {string} */ text) =>
    h('p', { class: 'field' }, h('label', {}, input(id, { type: 'checkbox', checked }), ` ${text}`));
  return action({
    name: 'Payment methods',
    button: 'Save payment methods',
    fields: [
      check('pm-card', card.enabled, 'Card'),
      h('p', { class: 'hint' }, `Card provider: ${card.provider === 'stripe' ? 'Stripe' : 'the demo provider (development only)'}, as configured on the server.`),
      check('pm-wire', wire.enabled, 'Wire transfer'),
      field('pm-wire-instructions', 'Wire transfer instructions (sent to the customer at checkout)', h('textarea', { id: 'pm-wire-instructions', name: 'pm-wire-instructions', rows: 4, cols: 60, maxlength: 2000 }, wire.instructions)),
      check('pm-store', store.enabled, 'Pay in store'),
      h('p', { class: 'hint' }, 'A method switched off is refused at checkout; orders that already chose it keep it.'),
    ],
    send: (values) =>
      changeSettings({
        paymentMethods: {
          card: { enabled: values['pm-card'] === 'on' },
          wire_transfer: { enabled: values['pm-wire'] === 'on', instructions: values['pm-wire-instructions'] ?? '' },
          pay_in_store: { enabled: values['pm-store'] === 'on' },
        },
      }),
    done: 'Payment methods saved: checkouts follow them at once.',
  });
}

/** @param {Settings} s */
function deliveryForm(s) {
  return action({
    name: 'Delivery and returns',
    button: 'Save delivery and returns',
    fields: [
      field('deliverySteps', 'Delivery steps', select('deliverySteps', labelled(DELIVERY_STEPS), s.deliverySteps)),
      field('shippingPolicy', 'Shipping policy', select('shippingPolicy', labelled(SHIPPING_POLICIES), s.shippingPolicy)),
      h('p', { class: 'field' }, h('label', {}, input('deliveryDoneEmail', { type: 'checkbox', checked: s.deliveryDoneEmail }), ' Email the customer when the delivery is done')),
      field('returnWindowDays', 'Return window (days after delivery)', input('returnWindowDays', { type: 'number', min: 0, max: 365, value: s.returnWindowDays, required: true })),
    ],
    send: (values) =>
      changeSettings({
        deliverySteps: chosen(DELIVERY_STEPS, values.deliverySteps),
        shippingPolicy: chosen(SHIPPING_POLICIES, values.shippingPolicy),
        deliveryDoneEmail: values.deliveryDoneEmail === 'on',
        returnWindowDays: Number(values.returnWindowDays),
      }),
    done: 'Delivery and returns saved.',
  });
}

/** A team: how its orders are assigned, its salespeople, and a form to add one. @param {SalesTeam} t @param {Settings} s */
function teamBlock(t, s) {
  return h(
    'article',
    { class: 'team', 'aria-label': `Team ${t.name}` },
    h('h3', {}, t.name, t.id === s.salesTeamId ? h('small', {}, ' (new orders)') : null),
    action({
      name: `Assignment of ${t.name}`,
      button: 'Save',
      fields: [field(`assign-${t.id}`, 'Orders go to', select(`assign-${t.id}`, labelled(ASSIGNMENTS), t.assignment, { name: 'assignment' }))],
      send: (values) => changeSalesTeam(t.id, { assignment: chosen(ASSIGNMENTS, values.assignment) }),
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
              send: () => changeSalesperson(p.id, { active: !p.active }),
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
      fields: [
        field(`sp-name-${t.id}`, 'Name', input(`sp-name-${t.id}`, { name: 'name', required: true, maxlength: 200 })),
        field(`sp-email-${t.id}`, 'Email (optional)', input(`sp-email-${t.id}`, { name: 'email', type: 'email', maxlength: 254 })),
      ],
      send: (values) => addSalesperson(t.id, { name: values.name ?? '', email: values.email || undefined }),
      done: (p) => `${p.name} joined ${t.name}.`,
      className: 'inline',
    }),
  );
}

/** @returns {Promise<Child>} */
export async function settingsPage() {
  document.title = 'Settings · Console';
  const [s, { items: teams }] = await Promise.all([getSettings(), listSalesTeams()]);
  return [
    h('h1', {}, 'Settings'),
    section('sales', 'Sales', salesForm(s, teams)),
    section('cart', 'Abandoned-cart reminder', cartForm(s)),
    section('payment-methods', 'Payment methods', paymentMethodsForm(s)),
    section('delivery', 'Delivery and returns', deliveryForm(s)),
    section(
      'teams',
      'Sales teams',
      teams.map((t) => teamBlock(t, s)),
      h('h3', {}, 'New team'),
      action({
        name: 'New sales team',
        button: 'Create team',
        fields: [
          field('team-name', 'Name', input('team-name', { name: 'name', required: true, maxlength: 200 })),
          field('team-assignment', 'Orders go to', select('team-assignment', labelled(ASSIGNMENTS), 'team_only', { name: 'assignment' })),
        ],
        send: (values) => createSalesTeam({ name: values.name ?? '', assignment: chosen(ASSIGNMENTS, values.assignment) }),
        done: (t) => `Team ${t.name} created.`,
        className: 'inline',
      }),
    ),
  ];
}
