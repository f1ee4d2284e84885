/**
 * Every side effect of the order workflows, built over injected dependencies
 * in `worker.ts` (and in tests). Each activity is idempotent: Temporal may run
 * it more than once.
 */
import type { Db } from '../db/index.js';
import { projectDelivery } from '../db/deliveries.js';
import { projectOrder } from '../db/orders.js';
import { deliveryWorkflowId } from '../workflows/delivery-contract.js';
import { findPayment, recordPayment } from '../db/payments.js';
import { getSettings } from '../db/settings.js';
import { countBusinessEvents, type RecordedEntry } from '../operations/metrics.js';
import { createDeliveryActivities } from './delivery.js';
import { createEmailActivities, type EmailTransport } from './email.js';
import { createParcelActivities } from './parcels.js';
import { createInvoiceActivities } from './invoices.js';
import type { PaymentMethod } from '../domain/order.js';
import type { PaymentProviders } from './payment-providers.js';
import { createRefundActivities } from './refunds.js';
import type { Carrier } from './shipping.js';
import { createStockActivities } from './stock.js';
import type { OrderActivities } from './types.js';

export interface ActivityDependencies {
  db: Db;
  paymentProviders: PaymentProviders;
  email: { transport: EmailTransport; from: string; publicUrl: string };
  carrier: Carrier;
}

export function createActivities({ db, paymentProviders, email, carrier }: ActivityDependencies) {
  return {
    ...createEmailActivities({ db, ...email }),
    ...createDeliveryActivities({ db, carrier }),
    ...createParcelActivities({ db, carrier }),
    ...createRefundActivities({ db, paymentProviders }),
    ...createInvoiceActivities({ db }),
    ...createStockActivities(),
    ...createOrderActivities(db, paymentProviders),
  };
}

function createOrderActivities(db: Db, paymentProviders: PaymentProviders): Pick<OrderActivities, 'projectOrder' | 'createPayment' | 'cancelPayment'> {
  return {
    async projectOrder(order, timeline, delivery) {
      const { recorded } = await projectOrder(db, order, timeline);
      countBusinessEvents(recorded as RecordedEntry[]);
      for (const d of [delivery ?? []].flat()) await projectDelivery(db, d, deliveryWorkflowId(d.id));
    },

    async createPayment(input) {
      const provider = paymentProviders[input.method];
      const existing = await findPayment(db, input.reference);
      if (existing) {
        return {
          reference: existing.reference,
          provider: existing.provider,
          instructions: existing.instructions ?? undefined,
          ...(existing.redirectUrl ? { redirectUrl: existing.redirectUrl } : {}),
          supportRefund: provider.supportRefund,
        };
      }
      const settings = await getSettings(db);
      const opened = await provider.createPayment({
        reference: input.reference,
        orderNumber: input.orderNumber,
        amount: input.amount,
        currency: input.currency,
        shopName: settings.shopName,
        bankAccount: settings.bankAccount,
        instructions: input.method === 'wire_transfer' ? settings.paymentMethods.wire_transfer.instructions || undefined : undefined,
      });
      const { instructions, redirectUrl } = opened;
      await recordPayment(db, {
        reference: input.reference,
        orderId: input.orderId,
        method: input.method,
        provider: provider.name,
        amount: input.amount,
        currency: input.currency,
        status: 'pending',
        instructions,
        providerPaymentId: opened.providerPaymentId,
        redirectUrl,
        clientSecret: opened.clientSecret,
      });
      // The client secret stays out of the workflow's history: the API reads it from the payment record.
      return { reference: input.reference, provider: provider.name, instructions, ...(redirectUrl ? { redirectUrl } : {}), supportRefund: provider.supportRefund };
    },

    async cancelPayment(reference) {
      const payment = await findPayment(db, reference);
      if (!payment) return { status: 'cancelled' };
      const provider = paymentProviders[payment.method as PaymentMethod];
      if (!provider?.cancelPayment) return { status: 'cancelled' };
      return provider.cancelPayment({ reference, providerPaymentId: payment.providerPaymentId });
    },
  };
}
