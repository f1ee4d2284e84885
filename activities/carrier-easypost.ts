/**
 * The real carrier, through EasyPost's official SDK (`@easypost/api` 8.x).
 *
 * Why EasyPost rather than Shippo: buying a label is a separate call on a
 * shipment the carrier has already booked (`POST /shipments` then
 * `POST /shipments/:id/buy`), and EasyPost sells a shipment's postage once
 * (a second buy is refused, and the shipment shows its label). So once we have
 * written the shipment id down for a parcel's idempotency key, a retried
 * purchase — after a timeout, a crash, a lost answer — retrieves that
 * shipment and buys only if it has no label yet: exactly one label per key, on
 * the carrier's own state, without trusting a request cache. Shippo's label is
 * a transaction created from a rate, and a second transaction for the same
 * rate is a second label; its API offers no idempotency key nor a way to find
 * the first transaction by our key. EasyPost also gives the tracking page
 * (`tracker.public_url`), voids with one call (`/refund`), and its client
 * takes a `baseUrl` (the loopback fake in tests).
 *
 * The SDK's `timeout` option is stored but never applied to requests (8.9.0),
 * so the timeout is set on each superagent request through `requestMiddleware`.
 */
import EasyPostModule from '@easypost/api';
import { ApplicationFailure } from '@temporalio/common';
import type { Address } from '../domain/order.js';
import type { Carrier, CarrierRate, Party, RateRequest, Shipment, ShipmentRequest } from './shipping.js';

/** Where the shipment booked for each idempotency key is written down (db/carrier-shipments.ts). */
export interface ShipmentLedger {
  find(idempotencyKey: string): Promise<string | null>;
  /** Writes the shipment for the key unless one is there; returns the one that stands. */
  claim(idempotencyKey: string, shipmentId: string): Promise<string>;
}

export interface EasyPostOptions {
  apiKey: string;
  baseUrl: string;
  ledger: ShipmentLedger;
  /** The service to buy when the request names none; absent: the cheapest rate. */
  service?: string | undefined;
  timeoutMs?: number;
}

// The package's types describe its CommonJS build; under ESM the default import is the client class itself.
const EasyPostClient = EasyPostModule as unknown as typeof EasyPostModule.default;

const GRAMS_PER_OUNCE = 28.349523125;

/** EasyPost's shape of the parts we read (the SDK's classes carry more). */
interface EpRate {
  id: string;
  carrier: string;
  service: string;
  rate: string;
  currency: string;
}
interface EpShipment {
  id: string;
  rates?: EpRate[];
  selected_rate?: EpRate | null;
  tracking_code?: string | null;
  postage_label?: { label_url?: string } | null;
  tracker?: { public_url?: string } | null;
  refund_status?: string | null;
}

function epAddress(party: Party | { name: string; address: Address }): Record<string, string> {
  const a = party.address;
  return {
    name: party.name,
    ...(a ? { street1: a.line1, ...(a.line2 ? { street2: a.line2 } : {}), city: a.city, zip: a.postalCode, country: a.country } : {}),
  };
}

/** EasyPost wants ounces, and a weight on every parcel: an unknown weight is sent as 1 oz, the carrier's minimum. */
function ounces(weightGrams: number | null): number {
  return weightGrams === null ? 1 : Math.max(0.1, Math.round((weightGrams / GRAMS_PER_OUNCE) * 10) / 10);
}

/** "7.58" → 758, exactly (no float arithmetic on money). */
function minorUnits(decimal: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(decimal.trim());
  if (!match) throw new Error(`unexpected rate amount from EasyPost: ${decimal}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

interface ApiErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * The carrier's refusals (4xx but rate limiting) are not retried: the same
 * request would be refused again. Outages (5xx, timeouts, refused connections)
 * are, and the idempotency key makes the retry safe.
 */
function asFailure(error: unknown, what: string): Error {
  const e = error as ApiErrorLike;
  const status = e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return ApplicationFailure.nonRetryable(`EasyPost refused to ${what}: ${e.code ?? status} ${e.message ?? ''}`.trim(), 'carrier_rejected');
  }
  return ApplicationFailure.retryable(`EasyPost could not ${what}: ${e?.message ?? String(error)}`, 'carrier_unavailable');
}

export function createEasyPostCarrier(options: EasyPostOptions): Carrier {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client = new EasyPostClient(options.apiKey, {
    baseUrl: options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
    // superagent: response deadline for the whole request.
    requestMiddleware: (request: { timeout(ms: number): unknown }) => {
      request.timeout(timeoutMs);
      return request;
    },
  });

  /** One request to EasyPost, its error turned into the carrier failure for `what` (asFailure). */
  async function easyPostRequest<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw asFailure(error, what);
    }
  }

  function shipmentOf(s: EpShipment): Shipment {
    return {
      carrier: s.selected_rate?.carrier ?? 'easypost',
      trackingNumber: s.tracking_code!,
      trackingUrl: s.tracker?.public_url ?? undefined,
      carrierShipmentId: s.id,
    };
  }

  const bought = (s: EpShipment) => Boolean(s.tracking_code && s.postage_label);

  function chooseRate(rates: EpRate[], service: string | undefined): EpRate {
    const wanted = service ? rates.filter((r) => r.service === service) : rates;
    if (wanted.length === 0) {
      throw ApplicationFailure.nonRetryable(
        service ? `EasyPost offers no "${service}" service for this parcel` : 'EasyPost offers no rate for this parcel',
        'carrier_rejected',
      );
    }
    return wanted.reduce((best, r) => (minorUnits(r.rate) < minorUnits(best.rate) ? r : best));
  }

  function shipmentParams(request: RateRequest, reference?: string) {
    return {
      ...(reference ? { reference } : {}),
      from_address: epAddress(request.sender),
      to_address: epAddress(request.recipient),
      parcel: { weight: ounces(request.weightGrams) },
      options: { label_format: 'PDF' },
    };
  }

  return {
    name: 'easypost',

    async rates(request) {
      const shipment = await easyPostRequest('quote', () => client.Shipment.create(shipmentParams(request)) as unknown as Promise<EpShipment>);
      return (shipment.rates ?? []).map<CarrierRate>((r) => ({ carrier: r.carrier, service: r.service, amount: minorUnits(r.rate), currency: r.currency }));
    },

    async purchaseLabel(request: ShipmentRequest) {
      let shipmentId = await options.ledger.find(request.idempotencyKey);
      if (!shipmentId) {
        // Booking a shipment is free; only buying it costs. A crash before the
        // claim leaves an unbought shipment behind, never a second label.
        const created = await easyPostRequest('book the shipment', () => client.Shipment.create(shipmentParams(request, request.idempotencyKey)) as unknown as Promise<EpShipment>);
        shipmentId = await options.ledger.claim(request.idempotencyKey, created.id);
      }
      const id = shipmentId;
      const current = await easyPostRequest('read the shipment', () => client.Shipment.retrieve(id) as unknown as Promise<EpShipment>);
      if (bought(current)) return shipmentOf(current);
      const rate = chooseRate(current.rates ?? [], request.service ?? options.service);
      try {
        return shipmentOf((await client.Shipment.buy(id, rate.id)) as unknown as EpShipment);
      } catch (error) {
        // Another attempt bought it meanwhile (EasyPost sells a shipment once): that label is ours.
        if ((error as ApiErrorLike)?.statusCode === 422) {
          const again = await easyPostRequest('read the shipment', () => client.Shipment.retrieve(id) as unknown as Promise<EpShipment>);
          if (bought(again)) return shipmentOf(again);
        }
        throw asFailure(error, 'buy the label');
      }
    },

    async voidLabel(shipment) {
      if (!shipment.carrierShipmentId) throw ApplicationFailure.nonRetryable('this label was not bought from EasyPost', 'carrier_rejected');
      const id = shipment.carrierShipmentId;
      try {
        await client.Shipment.refund(id);
      } catch (error) {
        // Voided already (a retried void): EasyPost refuses a second refund; the shipment says it is refunded.
        if ((error as ApiErrorLike)?.statusCode === 422) {
          const current = await easyPostRequest('read the shipment', () => client.Shipment.retrieve(id) as unknown as Promise<EpShipment>);
          if (current.refund_status === 'submitted' || current.refund_status === 'refunded') return;
        }
        throw asFailure(error, 'void the label');
      }
    },
  };
}
