/**
 * The payment provider port: one provider per payment method. A provider
 * creates the payment a customer goes through at checkout; refunds come with
 * the returns and refunds work, declared here already as Odoo's
 * `support_refund` so the operator can be told what is possible.
 */
import { formatMoney } from '../domain/money.js';
import { PaymentMethod } from '../domain/order.js';

export const SupportRefund = { none: 'none', full_only: 'full_only', partial: 'partial' } as const;
export type SupportRefund = (typeof SupportRefund)[keyof typeof SupportRefund];

export interface PaymentRequest {
  reference: string;
  orderNumber: string;
  amount: number;
  currency: string;
  shopName: string;
  bankAccount: string;
}

export interface PaymentProvider {
  readonly name: string;
  readonly method: PaymentMethod;
  readonly supportRefund: SupportRefund;
  /** Creates the payment at the provider; returns what the customer must be told, if anything. */
  createPayment(request: PaymentRequest): Promise<{ instructions?: string }>;
}

/** The demo card provider: the customer pays on the provider's page; the signed webhook confirms. */
export const demoCardProvider: PaymentProvider = {
  name: 'demo_card',
  method: PaymentMethod.card,
  supportRefund: SupportRefund.partial,
  async createPayment() {
    return {};
  },
};

export const wireTransferProvider: PaymentProvider = {
  name: 'wire_transfer',
  method: PaymentMethod.wire_transfer,
  supportRefund: SupportRefund.none,
  async createPayment(r) {
    return {
      instructions: `Please transfer ${formatMoney(r.amount, r.currency)} to ${r.shopName}, ${r.bankAccount}, with the communication ${r.orderNumber}. Your order is confirmed when the transfer arrives.`,
    };
  },
};

export const payInStoreProvider: PaymentProvider = {
  name: 'pay_in_store',
  method: PaymentMethod.pay_in_store,
  supportRefund: SupportRefund.none,
  async createPayment(r) {
    return {
      instructions: `Pay ${formatMoney(r.amount, r.currency)} at ${r.shopName} when you pick up order ${r.orderNumber}.`,
    };
  },
};

export type PaymentProviders = Record<PaymentMethod, PaymentProvider>;

export const DEFAULT_PAYMENT_PROVIDERS: PaymentProviders = {
  card: demoCardProvider,
  wire_transfer: wireTransferProvider,
  pay_in_store: payInStoreProvider,
};
