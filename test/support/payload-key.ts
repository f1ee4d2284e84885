/**
 * The payload key of the test suite: fixed (not random per run) so that the
 * histories `npm run record-histories` writes into test/histories/ stay
 * decodable by test/replay.test.ts on every later run and machine. It guards
 * nothing — test data only — and config.ts never falls back to it: production
 * refuses to start without PAYLOAD_KEYS of its own.
 *
 * Every test harness (support/temporal.ts, support/time-skipping.ts, the API's
 * config in support/api.ts) and the recorder use it, as PAYLOAD_KEYS would be
 * set for a real deployment.
 */
import type { DataConverter, Payload } from '@temporalio/common';
import { dataConverterOf } from '../../operations/payload-codec.js';

/** PAYLOAD_KEYS syntax: `<key id>:<base64 of 32 bytes>` (sha256 of a sentence, so anyone can re-derive it). */
export const TEST_PAYLOAD_KEYS = 'test-2026:rwJEXqx3/PNqG3Z57Gpm8pNMEL9mKoY5tnt6tb6+cqk=';

/** The data converter every test client, worker and replayer uses: the project's codec with the test key. */
export const testDataConverter: DataConverter = dataConverterOf({ env: 'test', dataDir: 'unused-with-payload-keys', payloadKeys: TEST_PAYLOAD_KEYS });

/** A payload as a history holds it (encrypted), read back as its JSON value: what a test asserts on. */
export async function decodedJson(payload: Payload): Promise<any> {
  const [decoded] = await testDataConverter.payloadCodecs![0]!.decode([payload]);
  return JSON.parse(Buffer.from(decoded!.data ?? new Uint8Array()).toString('utf8'));
}
