/** Which carrier the worker buys labels from: EasyPost when configured, else the embedded demo carrier. */
import { ConfigError, type Config } from '../config.js';
import { claimCarrierShipment, findCarrierShipment } from '../db/carrier-shipments.js';
import type { Db } from '../db/index.js';
import { createEasyPostCarrier, type ShipmentLedger } from './carrier-easypost.js';
import { demoCarrier, type Carrier } from './shipping.js';

export function dbShipmentLedger(db: Db, carrier: string): ShipmentLedger {
  return {
    find: (idempotencyKey) => findCarrierShipment(db, idempotencyKey),
    claim: (idempotencyKey, shipmentId) => claimCarrierShipment(db, { idempotencyKey, carrier, shipmentId }),
  };
}

export function carrierOf(config: Config, db: Db): Carrier {
  if (config.easypost) {
    const { apiKey, baseUrl, service } = config.easypost;
    return createEasyPostCarrier({ apiKey, baseUrl, service, ledger: dbShipmentLedger(db, 'easypost') });
  }
  // The demo carrier's labels are not real postage: a production worker would print labels no carrier accepts.
  if (config.env === 'production') throw new ConfigError('Invalid configuration:\n  EASYPOST_API_KEY: required in production (the demo carrier prints no real labels)');
  return demoCarrier;
}
