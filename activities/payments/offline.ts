/** The offline methods: nothing is opened at a provider; the customer is told how to pay. */
import { formatMoney } from '../../domain/money.js';
import { PaymentMethod } from '../../domain/order.js';
import { SupportRefund, type PaymentProvider } from './port.js';

export const wireTransferProvider: PaymentProvider = {
  name: 'wire_transfer',
  method: PaymentMethod.wire_transfer,
  supportRefund: SupportRefund.none,
  async createPayment(r) {
    const intro = `Please transfer ${formatMoney(r.amount, r.currency)} to ${r.shopName}, ${r.bankAccount}, with the communication ${r.orderNumber}. Your order is confirmed when the transfer arrives.`;
    return { instructions: r.instructions ? `${intro}\n${r.instructions}` : intro };
  },
};

export const payInStoreProvider: PaymentProvider = {
  name: 'pay_in_store',
  method: PaymentMethod.pay_in_store,
  supportRefund: SupportRefund.none,
  async createPayment(r) {
    return { instructions: `Pay ${formatMoney(r.amount, r.currency)} at ${r.shopName} when you pick up order ${r.orderNumber}.` };
  },
};
