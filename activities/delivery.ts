/** The delivery's side effects: stock, the label, the projection, and the plan read from the settings. */
import { getLabel, saveLabel } from '../db/deliveries.js';
import type { Db } from '../db/index.js';
import { getProductsBySku } from '../db/products.js';
import { getSettings } from '../db/settings.js';
import { releaseStock, requestStock, reservationStatus, reserveWithBackorder, shipStock, type ReservationStatus } from '../db/stock.js';
import { backorderStockKeyOf, stepsFor, type BackorderSplit, type DeliveryLine, type Recipient, type StepName } from '../domain/delivery.js';
import type { ShippingPolicy } from '../domain/settings.js';
import type { Carrier } from './shipping.js';
import { renderLabel } from './shipping.js';

export interface DeliveryPlan {
  steps: StepName[];
  deliveryDoneEmail: boolean;
  /** The shop's shipping policy at confirmation (absent in runs recorded before backorders: when_all_ready). */
  shippingPolicy?: ShippingPolicy | undefined;
  /** The return window that starts when the goods are delivered. */
  returnWindowDays: number;
}

export interface LabelRequest {
  deliveryId: string;
  orderNumber: string;
  recipient: Recipient;
  lines: DeliveryLine[];
}

export function createDeliveryActivities({ db, carrier }: { db: Db; carrier: Carrier }) {
  return {
    /** The settings at confirmation time decide the steps and the email for that order. */
    async planDelivery(): Promise<DeliveryPlan> {
      const settings = await getSettings(db);
      return {
        steps: stepsFor(settings.deliverySteps),
        deliveryDoneEmail: settings.deliveryDoneEmail,
        shippingPolicy: settings.shippingPolicy,
        returnWindowDays: settings.returnWindowDays,
      };
    },

    /**
     * Shipping policy as_soon_as_possible: reserves what the order may take now
     * for its first delivery and queues the rest for its backorder (null: no
     * split, one delivery as with when_all_ready). Once only per order.
     */
    async reserveWithBackorder(orderId: string, lines: DeliveryLine[]): Promise<BackorderSplit | null> {
      return reserveWithBackorder(db, orderId, backorderStockKeyOf(orderId), lines);
    },

    async requestStock(orderId: string, lines: DeliveryLine[]): Promise<{ status: ReservationStatus; reservedOrders: string[] }> {
      const result = await requestStock(db, orderId, lines);
      return { status: result.status, reservedOrders: result.reservedOrders.filter((id) => id !== orderId) };
    },

    async reservationStatus(orderId: string): Promise<ReservationStatus> {
      return reservationStatus(db, orderId);
    },

    async shipStock(orderId: string): Promise<void> {
      await shipStock(db, orderId);
    },

    /** Returns the other orders that became fully reserved with the freed units. */
    async releaseStock(orderId: string): Promise<string[]> {
      return (await releaseStock(db, orderId)).filter((id) => id !== orderId);
    },

    async createShippingLabel(request: LabelRequest): Promise<{ trackingNumber: string; carrier: string }> {
      const existing = await getLabel(db, request.deliveryId);
      if (existing) return { trackingNumber: existing.trackingNumber, carrier: existing.carrier };
      const settings = await getSettings(db);
      const products = await getProductsBySku(db, request.lines.map((l) => l.sku));
      // The weight is printed only when every product's weight is known.
      const weights = request.lines.map((l) => {
        const grams = products.get(l.sku)?.weightGrams;
        return grams === null || grams === undefined ? null : grams * l.quantity;
      });
      const weightGrams = weights.includes(null) ? null : weights.reduce<number>((sum, w) => sum + (w ?? 0), 0);
      const sender = { name: settings.shopName, address: settings.shopAddress };
      const recipient = { name: request.recipient.name ?? request.recipient.email ?? 'Customer', address: request.recipient.address };
      // The delivery's single label: its key is the delivery id, as before parcels.
      const shipment = await carrier.purchaseLabel({ idempotencyKey: request.deliveryId, orderNumber: request.orderNumber, sender, recipient, weightGrams });
      const pdf = await renderLabel({ shipment, orderNumber: request.orderNumber, sender, recipient, weightGrams });
      await saveLabel(db, { deliveryId: request.deliveryId, trackingNumber: shipment.trackingNumber, carrier: shipment.carrier, pdf });
      const stored = (await getLabel(db, request.deliveryId))!;
      return { trackingNumber: stored.trackingNumber, carrier: stored.carrier };
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
