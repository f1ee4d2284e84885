/**
 * One order's whole story for the operator: its live state (or, past
 * retention, its projection), payments with their links, deliveries, returns,
 * refunds, emails, timeline, the customer's return link and the order's page
 * in the Temporal UI.
 */
import { listDeliveries } from '../../db/deliveries.js';
import { listEmails } from '../../db/emails.js';
import { getOrderSummary, getPayments, getTimeline } from '../../db/orders.js';
import { listRefunds } from '../../db/refunds.js';
import { listReturns } from '../../db/returns.js';
import { DomainError } from '../../domain/errors.js';
import { orderWorkflowId } from '../../workflows/order-contract.js';
import type { AppDeps } from '../app.js';
import { getOrder } from '../orders.js';
import { deliveryView } from './deliveries.js';
import { orderView, summaryView } from './orders.js';
import { paymentView } from './payments.js';

export async function orderDetail({ gateway, config }: Pick<AppDeps, 'gateway' | 'config'>, orderId: string) {
  const { db } = gateway;
  const summary = await getOrderSummary(db, orderId);
  const live = await getOrder(gateway, orderId).catch((error: unknown) => {
    // A run past its retention is gone from Temporal; its projection remains.
    if (error instanceof DomainError && error.code === 'order_not_found' && summary) return null;
    throw error;
  });
  const base = live ? orderView(live) : summaryView(summary!);
  const accessToken = live?.accessToken ?? summary!.accessToken;
  const [timeline, payments, emails, deliveries] = await Promise.all([
    getTimeline(db, orderId),
    getPayments(db, orderId),
    listEmails(db, { orderId }),
    listDeliveries(db, { orderId }),
  ]);
  const [returns, refunds] = await Promise.all([listReturns(db, { orderId }), listRefunds(db, orderId)]);
  const workflowId = orderWorkflowId(orderId);
  return {
    ...base,
    payments: payments.map((p) => paymentView(config, p)),
    deliveries: deliveries.map((d) => deliveryView(d, config.publicUrl)),
    returns,
    refunds,
    emails,
    timeline,
    accessToken,
    returnUrl: `${config.publicUrl}/returns/${orderId}?token=${accessToken}`,
    workflowId,
    temporalUrl: `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
  };
}
