/**
 * Shipping: the carrier port and the label. The demo carrier makes a tracking
 * number itself (derived from the idempotency key, so a retry gets the same
 * one); a real carrier (carrier-easypost.ts) implements `Carrier` and is
 * chosen in worker.ts from the configuration.
 */
import { createHash } from 'node:crypto';
import bwipjs from 'bwip-js/node';
import PDFDocument from 'pdfkit';
import type { Address } from '../domain/order.js';

export interface Shipment {
  carrier: string;
  trackingNumber: string;
  trackingUrl?: string | undefined;
  /** The carrier's own id of the bought label (what `voidLabel` needs); absent for the demo carrier. */
  carrierShipmentId?: string | undefined;
}

export interface Party {
  name: string;
  address: Address | null;
}

export interface ShipmentRequest {
  /**
   * One label per key, ever: the delivery, the parcel and the labelling attempt
   * (see `parcelLabelKey`). A retried activity sends the same key and gets the
   * label already bought; labelling a voided parcel again is a new attempt.
   */
  idempotencyKey: string;
  orderNumber: string;
  sender: { name: string; address: Address };
  recipient: Party;
  weightGrams: number | null;
  /** The carrier's service to buy (a shipping method's); absent: the cheapest rate. */
  service?: string | undefined;
}

export interface RateRequest {
  sender: { name: string; address: Address };
  recipient: Party;
  weightGrams: number | null;
}

export interface CarrierRate {
  carrier: string;
  service: string;
  /** Minor units. */
  amount: number;
  currency: string;
}

export interface Carrier {
  readonly name: string;
  /** What the carrier would charge for a parcel, per service. */
  rates(request: RateRequest): Promise<CarrierRate[]>;
  /** Buys the label; asked again with the same idempotency key it returns the same label and buys nothing. */
  purchaseLabel(request: ShipmentRequest): Promise<Shipment>;
  /** Voids (refunds) a bought label that has not left; voiding it again is harmless. */
  voidLabel(shipment: Shipment): Promise<void>;
}

/** The idempotency key of one parcel's label: attempt 1 is the first label, a relabel after a void is 2, ... */
export function parcelLabelKey(deliveryId: string, parcelId: string, attempt: number): string {
  return `${deliveryId}/${parcelId}/${attempt}`;
}

/** A reserved domain (RFC 2606): the demo carrier has no tracking site and must not pretend to link to one. */
const DEMO_TRACKING_SITE = 'https://demo-post.example/track/';

export const demoCarrier: Carrier = {
  name: 'demo_post',
  async rates() {
    return [{ carrier: 'demo_post', service: 'standard', amount: 490, currency: 'EUR' }];
  },
  async purchaseLabel(request) {
    const digits = BigInt(`0x${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 15)}`).toString().padStart(12, '0').slice(-12);
    const trackingNumber = `DP${digits}FR`;
    return { carrier: 'demo_post', trackingNumber, trackingUrl: `${DEMO_TRACKING_SITE}${trackingNumber}` };
  },
  async voidLabel() {},
};

// A6 portrait, in PDF points.
const A6 = [297.64, 419.53] as const;

export interface LabelContent {
  shipment: Shipment;
  orderNumber: string;
  sender: ShipmentRequest['sender'];
  recipient: ShipmentRequest['recipient'];
  weightGrams: number | null;
}

function addressLines(a: Address | null): string[] {
  if (!a) return ['(no address given)'];
  return [a.line1, ...(a.line2 ? [a.line2] : []), `${a.postalCode} ${a.city}`, a.country];
}

export interface ParcelLabelContent extends LabelContent {
  /** "Parcel 2 of 3", printed so the packer matches labels to boxes. */
  parcel?: { index: number; count: number; lines: Array<{ sku: string; quantity: number }> } | undefined;
}

/** One parcel's label alone (A6, Code 128 of the tracking number). */
export async function renderLabel(content: ParcelLabelContent): Promise<Buffer> {
  return renderLabels([content]);
}

/** One PDF with a page per parcel, so the warehouse prints a delivery's labels in one go. */
export async function renderLabels(contents: ParcelLabelContent[]): Promise<Buffer> {
  if (contents.length === 0) throw new Error('renderLabels needs at least one label');
  // Barcodes first: pdfkit writes synchronously once the document starts.
  const barcodes = await Promise.all(
    contents.map((c) => bwipjs.toBuffer({ bcid: 'code128', text: c.shipment.trackingNumber, scale: 3, height: 14, includetext: true, textxalign: 'center' })),
  );
  const first = contents[0]!;
  const trackingNumbers = contents.map((c) => c.shipment.trackingNumber).join(' ');
  const doc = new PDFDocument({
    size: [...A6],
    margin: 18,
    autoFirstPage: false,
    info: { Title: `Shipping label ${trackingNumbers}`, Subject: `Order ${first.orderNumber}`, Keywords: trackingNumbers },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  contents.forEach((content, i) => {
    doc.addPage({ size: [...A6], margin: 18 });
    drawLabel(doc, content, barcodes[i]!);
  });
  doc.end();
  return done;
}

function drawLabel(doc: PDFKit.PDFDocument, content: ParcelLabelContent, barcode: Buffer): void {
  const width = A6[0] - 36;
  doc.font('Helvetica-Bold').fontSize(9).text(content.shipment.carrier.toUpperCase(), { width });
  doc.moveDown(0.5);
  doc.font('Helvetica').fontSize(7).text('FROM', { width });
  doc.fontSize(8).text([content.sender.name, ...addressLines(content.sender.address)].join('\n'), { width });
  doc.moveDown(0.8);
  doc.fontSize(7).text('TO', { width });
  doc.font('Helvetica-Bold').fontSize(12).text([content.recipient.name ?? '', ...addressLines(content.recipient.address)].filter(Boolean).join('\n'), { width });
  doc.moveDown(0.8);
  doc.font('Helvetica').fontSize(8).text(`Order ${content.orderNumber}`, { width });
  if (content.parcel) {
    doc.text(`Parcel ${content.parcel.index} of ${content.parcel.count}: ${content.parcel.lines.map((l) => `${l.quantity} x ${l.sku}`).join(', ')}`, { width });
  }
  if (content.weightGrams !== null) doc.text(`Weight ${(content.weightGrams / 1000).toFixed(2)} kg`, { width });
  doc.text(`Tracking ${content.shipment.trackingNumber}`, { width });
  doc.image(barcode, 18, A6[1] - 18 - 80, { fit: [width, 80], align: 'center' });
}
