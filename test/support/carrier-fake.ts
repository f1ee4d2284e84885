/**
 * A loopback HTTP server that answers the EasyPost v2 endpoints the carrier
 * adapter uses, as EasyPost documents them, so the real `@easypost/api` SDK is
 * exercised end to end:
 * - `POST /v2/shipments` `{ shipment: { from_address, to_address, parcel, reference?, options? } }` → 201, the shipment with its `rates`;
 * - `GET /v2/shipments/:id` → the shipment;
 * - `POST /v2/shipments/:id/buy` `{ rate: { id } }` → the shipment with `postage_label`, `tracking_code`, `tracker.public_url`, `selected_rate`;
 *   a shipment's postage is sold once: buying it again is `422`;
 * - `POST /v2/shipments/:id/refund` → `refund_status: "submitted"`; `422` when not bought or already refunded.
 * Errors are `{ error: { code, message, errors } }`. Authentication is HTTP
 * Basic with the API key as user name. The outage switch (loopback-fake.ts):
 * `error` answers 500; `slow` does the work and answers too late.
 */
import { randomBytes } from 'node:crypto';
import { startLoopbackFake, type LoopbackFake } from './loopback-fake.js';

export const FAKE_EASYPOST_KEY = 'EZTK_test_key_for_the_fake';

interface FakeRate {
  id: string;
  object: 'Rate';
  carrier: string;
  service: string;
  rate: string;
  currency: string;
  shipment_id: string;
}

export interface FakeShipment {
  id: string;
  object: 'Shipment';
  mode: 'test';
  reference: string | null;
  from_address: Record<string, unknown>;
  to_address: Record<string, unknown>;
  parcel: { id: string; object: 'Parcel'; weight: number };
  rates: FakeRate[];
  selected_rate: FakeRate | null;
  postage_label: { id: string; object: 'PostageLabel'; label_url: string; label_file_type: string } | null;
  tracking_code: string | null;
  tracker: { id: string; object: 'Tracker'; tracking_code: string; public_url: string } | null;
  refund_status: 'submitted' | 'refunded' | 'rejected' | null;
  created_at: string;
}

export interface CarrierFake extends LoopbackFake {
  /** The SDK's baseUrl (ends in /v2/). */
  baseUrl: string;
  shipments: Map<string, FakeShipment>;
  /** Every label bought, in order (a label is money spent: the count the tests watch). */
  labelsBought: string[];
  refunds: string[];
  requests: Array<{ method: string; path: string }>;
  /** Buys go through but their answers come this late (0: at once): the label is bought, the client never hears it. */
  holdBuyAnswers(ms: number): void;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function fail(status: number, code: string, message: string, errors: unknown[] = []) {
  return [status, { error: { code, message, errors } }] as const;
}

export async function startCarrierFake(): Promise<CarrierFake> {
  const shipments = new Map<string, FakeShipment>();
  const labelsBought: string[] = [];
  const refunds: string[] = [];
  const requests: CarrierFake['requests'] = [];
  let trackingSeq = 0;
  let holdBuyMs = 0;
  const fake = await startLoopbackFake(({ req, raw, reply, failing, accept }) => {
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0]!;
    requests.push({ method, path });
    const answer = ([status, payload]: readonly [number, unknown]) => reply(status, payload);
    const expected = `Basic ${Buffer.from(`${FAKE_EASYPOST_KEY}:`).toString('base64')}`;
    if (req.headers.authorization !== expected) return answer(fail(401, 'APIKEY.INACTIVE', 'This API key is no longer active. Please use a different API key or reactivate this key.'));
    if (failing()) return answer(fail(500, 'INTERNAL_SERVER_ERROR', 'We seem to be having some technical difficulties. Please try again later.'));
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return answer(fail(400, 'BAD_REQUEST', 'The request body could not be parsed as JSON.'));
    }

    if (method === 'POST' && path === '/v2/shipments') {
      const s = body.shipment as Record<string, unknown> | undefined;
      const to = s?.to_address as Record<string, unknown> | undefined;
      const from = s?.from_address as Record<string, unknown> | undefined;
      const parcel = s?.parcel as { weight?: unknown } | undefined;
      const problems: Array<{ field: string; message: string }> = [];
      if (!to?.street1 || !to?.city || !to?.zip || !to?.country) problems.push({ field: 'to_address', message: 'street1, city, zip and country are required' });
      if (!from?.street1) problems.push({ field: 'from_address', message: 'street1 is required' });
      if (typeof parcel?.weight !== 'number' || parcel.weight <= 0) problems.push({ field: 'parcel.weight', message: 'must be greater than 0' });
      if (problems.length) return answer(fail(422, 'SHIPMENT.INVALID_PARAMS', 'Unable to create shipment, one or more parameters were invalid.', problems));
      accept();
      const shipmentId = id('shp');
      const weight = parcel!.weight as number;
      // Price grows with weight, like a carrier's table.
      const rate = (base: number) => (base + Math.ceil(weight / 16) * 0.85).toFixed(2);
      const shipment: FakeShipment = {
        id: shipmentId,
        object: 'Shipment',
        mode: 'test',
        reference: typeof s?.reference === 'string' ? s.reference : null,
        from_address: { id: id('adr'), object: 'Address', ...from },
        to_address: { id: id('adr'), object: 'Address', ...to },
        parcel: { id: id('prcl'), object: 'Parcel', weight },
        rates: [
          { id: id('rate'), object: 'Rate', carrier: 'USPS', service: 'Priority', rate: rate(7.1), currency: 'USD', shipment_id: shipmentId },
          { id: id('rate'), object: 'Rate', carrier: 'USPS', service: 'GroundAdvantage', rate: rate(4.5), currency: 'USD', shipment_id: shipmentId },
        ],
        selected_rate: null,
        postage_label: null,
        tracking_code: null,
        tracker: null,
        refund_status: null,
        created_at: new Date().toISOString(),
      };
      shipments.set(shipmentId, shipment);
      return reply(201, shipment);
    }

    const match = /^\/v2\/shipments\/([^/]+)(?:\/(buy|refund))?$/.exec(path);
    const shipment = match ? shipments.get(match[1]!) : undefined;
    if (match && !shipment) return answer(fail(404, 'NOT_FOUND', 'The requested resource could not be found.'));
    if (match && shipment && method === 'GET' && !match[2]) {
      accept();
      return reply(200, shipment);
    }
    if (match && shipment && method === 'POST' && match[2] === 'buy') {
      const rateId = (body.rate as { id?: unknown } | undefined)?.id;
      const rate = shipment.rates.find((r) => r.id === rateId);
      if (!rate) return answer(fail(422, 'SHIPMENT.RATE.INVALID', 'The rate given is not one of this shipment\'s rates.'));
      if (shipment.postage_label) return answer(fail(422, 'SHIPMENT.POSTAGE.EXISTS', 'Postage already exists for this shipment.'));
      accept();
      trackingSeq += 1;
      const tracking = `9400${String(Date.now()).slice(-8)}${String(trackingSeq).padStart(6, '0')}`;
      shipment.selected_rate = rate;
      shipment.tracking_code = tracking;
      shipment.postage_label = { id: id('pl'), object: 'PostageLabel', label_url: `${fake.url}/files/postage_label/${shipment.id}.pdf`, label_file_type: 'application/pdf' };
      shipment.tracker = { id: id('trk'), object: 'Tracker', tracking_code: tracking, public_url: `https://track.easypost.com/djE6dHJrX${shipment.id}` };
      labelsBought.push(shipment.id);
      if (holdBuyMs) return void setTimeout(() => reply(200, shipment), holdBuyMs).unref();
      return reply(200, shipment);
    }
    if (match && shipment && method === 'POST' && match[2] === 'refund') {
      if (!shipment.postage_label) return answer(fail(422, 'SHIPMENT.REFUND.UNAVAILABLE', 'This shipment has no postage to refund.'));
      if (shipment.refund_status) return answer(fail(422, 'SHIPMENT.REFUND.ALREADY_SUBMITTED', 'A refund has already been submitted for this shipment.'));
      accept();
      shipment.refund_status = 'submitted';
      refunds.push(shipment.id);
      return reply(200, shipment);
    }
    return answer(fail(404, 'NOT_FOUND', 'The requested resource could not be found.'));
  });
  return { ...fake, baseUrl: `${fake.url}/v2/`, shipments, labelsBought, refunds, requests, holdBuyAnswers: (ms) => (holdBuyMs = ms) };
}
