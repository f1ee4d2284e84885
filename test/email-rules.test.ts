/** Templates and the idle-cart arithmetic, with the shipped 10-hour and 30-day values. */
import { describe, expect, it } from 'vitest';
import { nextIdleStep, reminderBlocker, reminderPolicyOf } from '../domain/abandoned-cart.js';
import { DEFAULT_TEMPLATES, renderEmail, templateProblems } from '../domain/email-templates.js';
import { newQuotation, type Order } from '../domain/order.js';
import { DEFAULT_SETTINGS, settingsProblems } from '../domain/settings.js';

const T0 = '2026-11-26T10:00:00.000Z';
const HOUR = 3_600_000;

function cart(email?: string): Order {
  const { order } = newQuotation(
    {
      id: 'ord_1',
      number: 'S00001',
      accessToken: 'tok',
      currency: 'EUR',
      customer: { loggedIn: Boolean(email), email },
      salesTeam: 'Website',
      salesperson: null,
      lines: [{ product: { sku: 'MUG', name: 'Mug', unitPrice: 1200, currency: 'EUR', type: 'storable' }, quantity: 1 }],
    },
    T0,
  );
  return order;
}

describe('abandoned-cart timing with the shipped settings', () => {
  const policy = reminderPolicyOf(DEFAULT_SETTINGS.abandonedCart);

  it('reminds 10 hours after the last change, then expires the quotation after 30 days', () => {
    const order = cart('a@example.com');
    expect(nextIdleStep(order, policy)).toEqual({ kind: 'remind', at: Date.parse(T0) + 10 * HOUR, seq: 1 });
    order.remindersSent = 1;
    expect(nextIdleStep(order, policy)).toEqual({ kind: 'expire', at: Date.parse(T0) + 30 * 24 * HOUR });
  });

  it('a change by the customer pushes the reminder back', () => {
    const order = cart('a@example.com');
    order.lastCustomerActivityAt = '2026-11-26T19:00:00.000Z';
    expect(nextIdleStep(order, policy)).toMatchObject({ kind: 'remind', at: Date.parse('2026-11-27T05:00:00.000Z') });
  });

  it('follow-ups come in sequence, each once; switched off, only expiry remains', () => {
    const order = cart('a@example.com');
    const sequence = reminderPolicyOf({ ...DEFAULT_SETTINGS.abandonedCart, delay: '1h', followUps: ['24h', '3d'] });
    expect(nextIdleStep(order, sequence)).toMatchObject({ kind: 'remind', seq: 1, at: Date.parse(T0) + HOUR });
    order.remindersSent = 2;
    expect(nextIdleStep(order, sequence)).toMatchObject({ kind: 'remind', seq: 3, at: Date.parse(T0) + 72 * HOUR });
    order.remindersSent = 3;
    expect(nextIdleStep(order, sequence).kind).toBe('expire');
    expect(nextIdleStep(cart('a@example.com'), { ...policy, enabled: false }).kind).toBe('expire');
  });

  it('a cart without a known email, or with nothing to pay, gets no reminder; once passed over, it waits for the customer', () => {
    const anonymous = cart();
    expect(reminderBlocker(anonymous)).toBe('no_contact');
    anonymous.reminderPassedOverAt = anonymous.lastCustomerActivityAt;
    expect(nextIdleStep(anonymous, policy).kind).toBe('expire');
    anonymous.lastCustomerActivityAt = '2026-11-26T11:00:00.000Z';
    expect(nextIdleStep(anonymous, policy).kind).toBe('remind');
    const free = cart('a@example.com');
    free.total = 0;
    expect(reminderBlocker(free)).toBe('nothing_to_pay');
    expect(reminderBlocker(cart('a@example.com'))).toBeNull();
  });
});

describe('settings for reminders', () => {
  it('refuse unknown placeholders, bad durations and follow-ups out of order when saved', () => {
    const bad = (abandonedCart: Partial<typeof DEFAULT_SETTINGS.abandonedCart>) =>
      settingsProblems({ ...DEFAULT_SETTINGS, abandonedCart: { ...DEFAULT_SETTINGS.abandonedCart, ...abandonedCart } });
    expect(bad({})).toEqual([]);
    expect(bad({ body: 'Hi {{first_name}}' })[0]).toContain('unknown placeholder {{first_name}}');
    expect(bad({ subject: 'Hi {{customer_name}' })[0]).toContain('unbalanced');
    expect(bad({ delay: '10 hours' })[0]).toContain('"10 hours"');
    expect(bad({ delay: '2h', followUps: ['1h'] })[0]).toContain('followUps');
    expect(bad({ delay: '40d' })[0]).toContain('expireAfter');
  });
});

describe('email templates', () => {
  it('render every shipped template with its values, escaping them in HTML', () => {
    for (const template of Object.values(DEFAULT_TEMPLATES)) expect(templateProblems(template)).toEqual([]);
    const email = renderEmail(DEFAULT_TEMPLATES.abandoned_cart, {
      shop_name: 'Shop',
      customer_name: '<script>alert(1)</script>',
      order_number: 'S00042',
      lines: ['1 × Mug & Co — €12.00'],
      total: '€12.00',
      recovery_link: 'https://shop.test/cart/ord_1?token=a&b',
    });
    expect(email.subject).toBe('Your cart at Shop is waiting for you');
    expect(email.text).toContain('Hello <script>alert(1)</script>,');
    expect(email.text).toContain('- 1 × Mug & Co — €12.00');
    expect(email.text).toContain('https://shop.test/cart/ord_1?token=a&b');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;');
    expect(email.html).toContain('<li>1 × Mug &amp; Co — €12.00</li>');
    expect(email.html).toContain('<a href="https://shop.test/cart/ord_1?token=a&amp;b">');
  });
});
