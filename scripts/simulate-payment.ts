/**
 * `npm run simulate-payment -- <reference> <amount> [currency] [type]`: plays
 * the demo card provider's part and sends its signed webhook to the API, as
 * the provider would once the customer has paid.
 */
import { randomUUID } from 'node:crypto';
import { signPayload } from '../api/webhook-signature.js';
import { loadConfig } from '../config.js';

const [reference, amount, currency = 'EUR', type = 'payment.succeeded'] = process.argv.slice(2);
if (!reference || !amount || !/^\d+$/.test(amount)) {
  console.error('usage: npm run simulate-payment -- <payment reference> <amount in cents> [currency] [payment.succeeded|payment.failed|payment.pending]');
  process.exit(2);
}
const config = loadConfig();
const body = JSON.stringify({ id: `evt_${randomUUID()}`, type, data: { reference, amount: Number(amount), currency } });
const response = await fetch(`${config.publicUrl}/api/webhooks/payments`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'payment-signature': signPayload(config.webhookSecret, body) },
  body,
});
console.log(response.status, await response.text());
process.exit(response.ok ? 0 : 1);
