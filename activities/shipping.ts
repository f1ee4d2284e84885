/**
 * Shipping: the carrier port and the label. The demo carrier makes a tracking
 * number itself (derived from the delivery, so a retry gets the same one); a
 * real carrier integration implements `Carrier` and is injected in worker.ts.
 */
import { createHash } from 'node:crypto';
import bwipjs from 'bwip-js/node';
import PDFDocument from 'pdfkit';
import type { Address } from '../domain/order.js';

export interface Shipment {
  carrier: string;
  trackingNumber: string;
  trackingUrl?: string | undefined;
}

export interface ShipmentRequest {
  deliveryId: string;
  orderNumber: string;
  sender: { name: string; address: Address };
  recipient: { name: string; address: Address | null };
  weightGrams: number | null;
}

export interface Carrier {
  readonly name: string;
  /** Books the parcel; must return the same shipment when asked again for the same delivery. */
  createShipment(request: ShipmentRequest): Promise<Shipment>;
}

export const demoCarrier: Carrier = {
  name: 'demo_post',
  async createShipment(request) {
    const digits = BigInt(`0x${createHash('sha256').update(request.deliveryId).digest('hex').slice(0, 15)}`).toString().padStart(12, '0').slice(-12);
    return { carrier: 'demo_post', trackingNumber: `DP${digits}FR` };
  },
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

export async function renderLabel(content: LabelContent): Promise<Buffer> {
  const barcode = await bwipjs.toBuffer({ bcid: 'code128', text: content.shipment.trackingNumber, scale: 3, height: 14, includetext: true, textxalign: 'center' });
  const doc = new PDFDocument({
    size: [...A6],
    margin: 18,
    info: { Title: `Shipping label ${content.shipment.trackingNumber}`, Subject: `Order ${content.orderNumber}`, Keywords: content.shipment.trackingNumber },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
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
  if (content.weightGrams !== null) doc.text(`Weight ${(content.weightGrams / 1000).toFixed(2)} kg`, { width });
  doc.text(`Tracking ${content.shipment.trackingNumber}`, { width });
  doc.image(barcode, 18, A6[1] - 18 - 80, { fit: [width, 80], align: 'center' });
  doc.end();
  return done;
}
