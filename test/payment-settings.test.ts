/**
 * Payment methods switched on per shop, and nothing of the demo in production:
 * the pure rules (configuration, payment methods, a full_only provider) and
 * the API (settings, checkout of a switched-off method refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { acceptedPaymentMethods, checkPaymentMethodAccepted, effectivePaymentMethods, paymentMethodsProblems } from '../domain/payment-methods.js';
import { applyCheckout, applyPaymentEvent, checkCheckout, newQuotation, type Order, type Payment } from '../domain/order.js';
import { checkRefund } from '../domain/refunds.js';
import { DEFAULT_SETTINGS } from '../domain/settings.js';
import { demoCardProvider } from '../activities/payments/demo.js';
import { PROVIDER_KEY, startApi, type ApiHarness } from './support/api.js';
import { eventually } from './support/eventually.js';

const T0 = '2026-11-26T10:00:00.000Z';
const T1 = '2026-11-26T10:05:00.000Z';
const mug = { sku: 'MUG', name: 'Mug', unitPrice: 1200, currency: 'EUR', type: 'storable' as const };

const SECRETS = { STOREFRONT_API_TOKEN: 's'.repeat(20), OPERATOR_API_TOKEN: 'o'.repeat(20), PAYMENT_WEBHOOK_SECRET: 'w'.repeat(20) };
const STRIPE = { STRIPE_SECRET_KEY: 'sk_live_0123456789abcdef', STRIPE_WEBHOOK_SECRET: 'whsec_0123456789abcdef' };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to refuse this configuration');
}

describe('production refuses the demo and every development default', () => {
  it('card payments on and no real provider: refused, saying what to set', () => {
    const message = refusal({ NODE_ENV: 'production', ...SECRETS });
    expect(message).toMatch(/STRIPE_SECRET_KEY: card payments are on and no real payment provider is configured/);
    expect(message).toMatch(/CARD_PAYMENTS=off/);
  });

  it("the demo provider's key, its protocol and a Stripe test double are refused", () => {
    const message = refusal({ NODE_ENV: 'production', ...SECRETS, ...STRIPE, PAYMENT_PROVIDER_KEY: 'dev-provider-key', PAYMENT_PROVIDER_URL: 'https://psp.example', STRIPE_API_BASE: 'http://127.0.0.1:1' });
    expect(message).toMatch(/PAYMENT_PROVIDER_KEY: the development default may not be used in production/);
    expect(message).toMatch(/PAYMENT_PROVIDER_URL/);
    expect(message).toMatch(/STRIPE_API_BASE/);
  });

  it('every development token is refused, all named at once', () => {
    const message = refusal({ NODE_ENV: 'production', ...STRIPE, STOREFRONT_API_TOKEN: 'dev-storefront-token' });
    expect(message).toMatch(/STOREFRONT_API_TOKEN: the development default/);
    expect(message).toMatch(/OPERATOR_API_TOKEN: required in production/);
    expect(message).toMatch(/PAYMENT_WEBHOOK_SECRET: required in production/);
  });

  it('a Stripe key needs its webhook secret, in any environment', () => {
    expect(refusal({ STRIPE_SECRET_KEY: 'sk_test_0123456789' })).toMatch(/STRIPE_WEBHOOK_SECRET: required with STRIPE_SECRET_KEY/);
    expect(refusal({ STRIPE_SECRET_KEY: 'pk_test_0123456789', STRIPE_WEBHOOK_SECRET: 'whsec_1' })).toMatch(/STRIPE_SECRET_KEY/);
  });

  it('production with Stripe starts, without anything of the demo', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...SECRETS, ...STRIPE });
    expect(config.payments).toEqual({ stripe: { secretKey: STRIPE.STRIPE_SECRET_KEY, webhookSecret: STRIPE.STRIPE_WEBHOOK_SECRET, apiBase: undefined }, demo: null, cardProvider: 'stripe' });
    expect(config.demoPaymentPage).toBe(false);
    expect(config.devDefaultsUsed).toEqual([]);
  });

  it('production without card payments starts with no card provider at all', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...SECRETS, CARD_PAYMENTS: 'off' });
    expect(config.payments).toEqual({ stripe: null, demo: null, cardProvider: null });
    expect(config.demoPaymentPage).toBe(false);
  });

  it('development without Stripe runs the demo provider, its key counted as a development default', () => {
    const config = loadConfig({});
    expect(config.payments.cardProvider).toBe('demo');
    expect(config.payments.demo).toEqual({ url: 'http://localhost:3000/demo-provider', apiKey: 'dev-provider-key' });
    expect(config.demoPaymentPage).toBe(true);
    expect(config.devDefaultsUsed).toContain('PAYMENT_PROVIDER_KEY');
    // Stripe configured in development: the demo is off, its routes unmounted.
    const withStripe = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_0123456789', STRIPE_WEBHOOK_SECRET: 'whsec_0123456789' });
    expect(withStripe.payments.cardProvider).toBe('stripe');
    expect(withStripe.demoPaymentPage).toBe(false);
  });
});

describe('payment methods (domain)', () => {
  const methods = DEFAULT_SETTINGS.paymentMethods;
  const cart = (): Order => {
    const order = newQuotation({ id: 'ord_1', number: 'S00001', accessToken: 'tok', currency: 'EUR', customer: { loggedIn: false }, salesTeam: 'Website', salesperson: null, lines: [{ product: mug, quantity: 1 }] }, T0).order;
    order.contact = { email: 'a@example.com' };
    return order;
  };

  it('the card runs through the configured provider, and is off without one', () => {
    expect(effectivePaymentMethods(methods, 'stripe').card).toEqual({ enabled: true, provider: 'stripe' });
    expect(effectivePaymentMethods(methods, null).card.enabled).toBe(false);
    expect(acceptedPaymentMethods(effectivePaymentMethods(methods, null))).toEqual(['wire_transfer', 'pay_in_store']);
  });

  it('refuses a card provider the server does not have, and a shop with no method at all', () => {
    expect(paymentMethodsProblems({ ...methods, card: { enabled: true, provider: 'stripe' } }, 'demo')).toEqual([expect.stringMatching(/card provider is "demo"/)]);
    expect(paymentMethodsProblems({ ...methods, card: { enabled: true, provider: 'demo' } }, null)).toEqual([expect.stringMatching(/no card payment provider is configured/)]);
    const none = { card: { enabled: false, provider: 'demo' as const }, wire_transfer: { enabled: false, instructions: '' }, pay_in_store: { enabled: false } };
    expect(paymentMethodsProblems(none, 'demo')).toEqual([expect.stringMatching(/at least one payment method/)]);
    expect(paymentMethodsProblems(methods, 'demo')).toEqual([]);
  });

  it('a switched-off method is refused at checkout; an order already checked out with it keeps it', () => {
    const order = cart();
    const refused = checkCheckout(order, { paymentMethod: 'wire_transfer', acceptedMethods: ['card', 'pay_in_store'] });
    expect(refused).toMatchObject({ code: 'payment_method_disabled', status: 422, details: { paymentMethod: 'wire_transfer' } });
    expect(checkCheckout(order, { paymentMethod: 'card', acceptedMethods: ['card'] })).toBeNull();
    expect(checkCheckout(order, { paymentMethod: 'card' })).toBeNull();
    applyCheckout(order, { reference: 'pay_1', method: 'wire_transfer', amount: order.total, currency: 'EUR', status: 'pending' }, T1);
    expect(checkPaymentMethodAccepted(order, 'wire_transfer', ['card'])).toBeNull();
    expect(checkPaymentMethodAccepted(order, 'pay_in_store', ['card'])).toMatchObject({ code: 'payment_method_disabled' });
  });

  it('a full_only provider refunds the whole payment, never a part', () => {
    const order = cart();
    const payment: Payment = { reference: 'pay_1', method: 'card', amount: order.total, currency: 'EUR', status: 'pending', supportRefund: 'full_only' };
    applyCheckout(order, payment, T1);
    expect(applyPaymentEvent(order, { eventId: 'evt_1', type: 'payment.succeeded', reference: 'pay_1', amount: order.total, currency: 'EUR' }, T1).outcome).toBe('confirmed');
    expect(checkRefund(order, { amount: 500 })).toMatchObject({ code: 'partial_refund_not_supported', status: 422 });
    expect(checkRefund(order, { amount: order.total })).toBeNull();
    expect(checkRefund(order, {})).toBeNull();
  });
});

describe('payment methods through the API', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  async function cartWithContact() {
    const cart = await api.storefront('POST', '/api/carts', { lines: [{ sku: 'MUG-BLUE', quantity: 1 }] });
    await api.storefront('PUT', `/api/carts/${cart.body.id}/contact`, { email: 'pm@example.com', name: 'Pat' });
    return cart.body.id as string;
  }

  it('settings show and change the methods; a switched-off method is refused at checkout, open orders keep theirs', async () => {
    const initial = await api.operator('GET', '/api/settings');
    expect(initial.body.paymentMethods).toEqual({ card: { enabled: true, provider: 'demo' }, wire_transfer: { enabled: true, instructions: '' }, pay_in_store: { enabled: true } });
    const early = await cartWithContact();
    expect((await api.storefront('POST', `/api/carts/${early}/checkout`, { paymentMethod: 'wire_transfer' })).status).toBe(200);
    try {
      const patched = await api.operator('PATCH', '/api/settings', { paymentMethods: { wire_transfer: { enabled: false, instructions: 'Use the order number.' } } });
      expect(patched.status).toBe(200);
      expect(patched.body.paymentMethods.wire_transfer).toEqual({ enabled: false, instructions: 'Use the order number.' });
      expect(patched.body.paymentMethods.card).toEqual({ enabled: true, provider: 'demo' });

      const late = await cartWithContact();
      const refused = await api.storefront('POST', `/api/carts/${late}/checkout`, { paymentMethod: 'wire_transfer' });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'payment_method_disabled', message: expect.stringContaining('Accepted: card, pay in store') });
      expect((await api.storefront('GET', `/api/carts/${late}`)).body).toMatchObject({ state: 'draft', paymentMethod: null });
      expect((await api.storefront('POST', `/api/carts/${late}/checkout`, { paymentMethod: 'pay_in_store' })).status).toBe(200);

      // The order checked out before the switch keeps its method: the same payment again.
      const repeat = await api.storefront('POST', `/api/carts/${early}/checkout`, { paymentMethod: 'wire_transfer' });
      expect(repeat.status).toBe(200);
      expect(repeat.body.order.paymentMethod).toBe('wire_transfer');

      const badProvider = await api.operator('PATCH', '/api/settings', { paymentMethods: { card: { provider: 'stripe' } } });
      expect(badProvider.status).toBe(422);
      expect(badProvider.body.error.code).toBe('invalid_settings');
      const allOff = await api.operator('PATCH', '/api/settings', { paymentMethods: { card: { enabled: false }, pay_in_store: { enabled: false } } });
      expect(allOff.status).toBe(422);
      expect((await api.operator('GET', '/api/settings')).body.paymentMethods.card.enabled).toBe(true);
    } finally {
      await api.operator('PATCH', '/api/settings', { paymentMethods: initial.body.paymentMethods });
    }
  });

  it('the demo provider (development): checkout answers its page; its API cancels an open payment, and says when it was paid', async () => {
    const demo = demoCardProvider({ url: `${api.baseUrl}/demo-provider`, apiKey: PROVIDER_KEY });
    const id = await cartWithContact();
    const checkout = await api.storefront('POST', `/api/carts/${id}/checkout`, { paymentMethod: 'card' });
    const { reference } = checkout.body.payment;
    expect(checkout.body.payment.redirectUrl).toBe(`${api.baseUrl}/demo-provider/pay/${reference}`);
    expect(await demo.cancelPayment!({ reference })).toEqual({ status: 'cancelled' });
    const wrongKey = demoCardProvider({ url: `${api.baseUrl}/demo-provider`, apiKey: 'not-the-key' });
    await expect(wrongKey.cancelPayment!({ reference })).rejects.toThrow(/401/);
    expect((await api.webhook({ id: `evt_demo_${id}`, type: 'payment.succeeded', data: { reference, amount: checkout.body.payment.amount, currency: 'EUR' } })).status).toBe(200);
    await eventually(async () => expect((await api.operator('GET', `/api/orders/${id}`)).body.payments).toMatchObject([{ reference, status: 'succeeded' }]));
    expect(await demo.cancelPayment!({ reference })).toEqual({ status: 'already_paid' });
  });
});
