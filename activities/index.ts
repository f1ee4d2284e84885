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
import { createDeliveryActivities } from './delivery.js';
import { createEmailActivities, type EmailTransport } from './email.js';
import { createParcelActivities } from './parcels.js';
import type { PaymentProviders } from './payment-providers.js';
import { createRefundActivities } from './refunds.js';
import type { Carrier } from './shipping.js';
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
    ...createOrderActivities(db, paymentProviders),
  };
}

function createOrderActivities(db: Db, paymentProviders: PaymentProviders): Pick<OrderActivities, 'projectOrder' | 'createPayment'> {
  return {
    async projectOrder(order, timeline, delivery) {
      await projectOrder(db, order, timeline);
      if (delivery) await projectDelivery(db, delivery, deliveryWorkflowId(delivery.id));
    },

    async createPayment(input) {
      const provider = paymentProviders[input.method];
      const existing = await findPayment(db, input.reference);
      if (existing) {
        return { reference: existing.reference, provider: existing.provider, instructions: existing.instructions ?? undefined, supportRefund: provider.supportRefund };
      }
      const settings = await getSettings(db);
      const { instructions } = await provider.createPayment({
        reference: input.reference,
        orderNumber: input.orderNumber,
        amount: input.amount,
        currency: input.currency,
        shopName: settings.shopName,
        bankAccount: settings.bankAccount,
      });
      await recordPayment(db, {
        reference: input.reference,
        orderId: input.orderId,
        method: input.method,
        provider: provider.name,
        amount: input.amount,
        currency: input.currency,
        status: 'pending',
        instructions,
      });
      return { reference: input.reference, provider: provider.name, instructions, supportRefund: provider.supportRefund };
    },
  };
}
