/**
 * Which payment methods a checkout may use: the shop's switches (settings),
 * as far as this process has a provider for them. One rule, called by the
 * checkout's validator (domain/order.ts checkCheckout) and by the settings API.
 */
import { DomainError } from './errors.js';
// Types only: domain/order.ts calls this module from its checkout rule.
import type { Order, PaymentMethod, PaymentOutcome } from './order.js';
import type { CardProvider, PaymentMethodSettings } from './settings.js';

/**
 * The payment methods as this process can honour them: the card method runs
 * through the card provider the process is configured with (Stripe, or the
 * demo outside production), whatever the stored choice says — and is off when
 * there is none (production with CARD_PAYMENTS=off).
 */
export function effectivePaymentMethods(methods: PaymentMethodSettings, configuredCardProvider: CardProvider | null): PaymentMethodSettings {
  return {
    ...methods,
    card: configuredCardProvider ? { ...methods.card, provider: configuredCardProvider } : { ...methods.card, enabled: false },
  };
}

/** Why these payment methods cannot be saved, given the card provider the process has. */
export function paymentMethodsProblems(methods: PaymentMethodSettings, configuredCardProvider: CardProvider | null): string[] {
  const problems: string[] = [];
  if (methods.card.enabled && methods.card.provider !== configuredCardProvider) {
    problems.push(
      configuredCardProvider
        ? `paymentMethods.card.provider: this shop's card provider is "${configuredCardProvider}" (configured on the server), not "${methods.card.provider}"`
        : 'paymentMethods.card: no card payment provider is configured (STRIPE_SECRET_KEY): card payments cannot be switched on',
    );
  }
  if (!methods.card.enabled && !methods.wire_transfer.enabled && !methods.pay_in_store.enabled) {
    problems.push('paymentMethods: at least one payment method must stay on, or no customer could check out');
  }
  if (methods.wire_transfer.instructions.length > 2000) problems.push('paymentMethods.wire_transfer.instructions: at most 2000 characters');
  return problems;
}


/** The methods a customer may check out with now. */
export function acceptedPaymentMethods(methods: PaymentMethodSettings): PaymentMethod[] {
  return (Object.keys(methods) as PaymentMethod[]).filter((m) => methods[m].enabled);
}

/**
 * A switched-off method is refused at checkout; an order that already checked
 * out with it keeps it (repeating that checkout returns the same payment).
 * `accepted` undefined: no restriction known (an update sent before this rule).
 */
export function checkPaymentMethodAccepted(
  order: Pick<Order, 'paymentMethod' | 'payments'>,
  method: PaymentMethod,
  accepted: readonly PaymentMethod[] | undefined,
): DomainError | null {
  if (!accepted || accepted.includes(method)) return null;
  if (order.paymentMethod === method && order.payments.some((p) => p.method === method && p.status === ('pending' satisfies PaymentOutcome))) return null;
  const others = accepted.length ? `Accepted: ${accepted.map((m) => m.replaceAll('_', ' ')).join(', ')}.` : 'The shop accepts no payment method right now.';
  return new DomainError('payment_method_disabled', `The shop does not take ${method.replaceAll('_', ' ')} payments. ${others}`, { paymentMethod: method, accepted });
}
