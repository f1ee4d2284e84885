/** Refunds through the payment provider, and returned goods back on hand. */
import type { Db } from '../db/index.js';
import { findPayment } from '../db/payments.js';
import { countRefundAttempt, getRefund, openRefund, settleRefund } from '../db/refunds.js';
import { restockReturn } from '../db/returns.js';
import { allocateWaiting } from '../db/stock.js';
import type { PaymentMethod } from '../domain/order.js';
import type { PaymentProviders, RefundResult } from './payment-providers.js';

export interface RefundInput {
  refundId: string;
  orderId: string;
  paymentReference: string;
  method: PaymentMethod;
  amount: number;
  currency: string;
  reason?: string | undefined;
  returnId?: string | undefined;
}

export function createRefundActivities({ db, paymentProviders }: { db: Db; paymentProviders: PaymentProviders }) {
  return {
    /**
     * One provider refund per refund id: the id is the provider's idempotency
     * key, and a settled refund is answered from the database.
     */
    async executeRefund(input: RefundInput): Promise<RefundResult> {
      const provider = paymentProviders[input.method];
      await openRefund(db, {
        id: input.refundId,
        orderId: input.orderId,
        paymentReference: input.paymentReference,
        provider: provider.name,
        amount: input.amount,
        currency: input.currency,
        reason: input.reason ?? null,
        returnId: input.returnId ?? null,
        status: 'pending',
      });
      const stored = await getRefund(db, input.refundId);
      if (stored?.status === 'succeeded') return { status: 'succeeded', providerRefundId: stored.providerRefundId ?? '' };
      if (stored?.status === 'failed') return { status: 'failed', reason: stored.failureReason ?? 'failed' };
      if (!provider.refund) {
        await settleRefund(db, input.refundId, { status: 'failed', failureReason: `${provider.name} does not refund` });
        return { status: 'failed', reason: `${provider.name} does not refund` };
      }
      await countRefundAttempt(db, input.refundId);
      const payment = await findPayment(db, input.paymentReference);
      const result = await provider.refund({
        refundId: input.refundId,
        paymentReference: input.paymentReference,
        providerPaymentId: payment?.providerPaymentId,
        amount: input.amount,
        currency: input.currency,
        reason: input.reason,
      });
      await settleRefund(
        db,
        input.refundId,
        result.status === 'succeeded' ? { status: 'succeeded', providerRefundId: result.providerRefundId } : { status: 'failed', failureReason: result.reason },
      );
      return result;
    },

    /** Returns the orders whose waiting deliveries the returned goods now serve. */
    async restockReturn(returnId: string, lines: Array<{ sku: string; quantity: number }>): Promise<string[]> {
      const restocked = await restockReturn(db, returnId, lines);
      return restocked ? allocateWaiting(db) : [];
    },
  };
}

export type RefundActivities = ReturnType<typeof createRefundActivities>;
