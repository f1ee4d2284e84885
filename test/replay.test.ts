/**
 * The replay corpus: histories recorded from real runs of every released
 * shape of the workflows (`npm run record-histories` adds them under
 * test/histories/<version>/, never overwriting) must replay against today's
 * workflow code. A change that would break runs already in flight fails
 * here, not in production; docs/changing-workflows.md says what to do then.
 *
 * The replayer decodes with the suite's payload codec (support/payload-key.ts):
 * histories recorded since the codec hold encrypted payloads; the older ones
 * hold plain payloads, which the codec's decode passes through unchanged.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, inject, it } from 'vitest';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../operations/payload-codec.js';
import { TEST_PAYLOAD_KEYS, testDataConverter } from './support/payload-key.js';

const DIR = fileURLToPath(new URL('./histories', import.meta.url));
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .map((f) => relative(DIR, join(DIR, f)))
  .sort();
const loadHistory = (file: string) => historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
/** `<sha256>  <path>` per history, appended to by the recorder: a history kept is a history unchanged. */
const sums = readFileSync(join(DIR, 'SHA256SUMS'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [sha, file] = line.split(/\s+/);
    return { sha: sha!, file: file! };
  });

describe('the replay corpus only grows', () => {
  it('keeps the histories of the first released shape (v0.1.0)', () => {
    expect(files.filter((f) => f.startsWith('v0.1.0/'))).toHaveLength(13);
  });

  it('every history is listed in SHA256SUMS, and none was changed or removed', () => {
    expect(sums.map((s) => s.file).sort()).toEqual(files);
    for (const { sha, file } of sums) {
      expect(createHash('sha256').update(readFileSync(join(DIR, file))).digest('hex'), file).toBe(sha);
    }
  });
});

describe('histories recorded since the payload codec (v0.1.0-codec) are encrypted', () => {
  const codecFiles = files.filter((f) => f.startsWith('v0.1.0-codec/'));
  /** Every `{ metadata, data }` object of a history's JSON: inputs, results, update arguments, memo. */
  const payloadsOf = (value: unknown, found: Array<{ metadata?: Record<string, string> }> = []) => {
    if (Array.isArray(value)) for (const v of value) payloadsOf(v, found);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (o.metadata && typeof o.metadata === 'object' && 'encoding' in (o.metadata as object)) found.push(o as { metadata: Record<string, string> });
      else for (const v of Object.values(o)) payloadsOf(v, found);
    }
    return found;
  };
  const text = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('utf8');

  it('every payload of them is sealed with the test key, and no customer email is readable', () => {
    expect(codecFiles.length).toBeGreaterThan(10);
    const keyId = TEST_PAYLOAD_KEYS.split(':')[0];
    for (const file of codecFiles) {
      const raw = readFileSync(join(DIR, file), 'utf8');
      const payloads = payloadsOf(JSON.parse(raw));
      expect(payloads.length, file).toBeGreaterThan(0);
      // Search attributes are indexed plain by design (docs/production.md); every other payload is encrypted.
      const sealed = payloads.filter((p) => text(p.metadata?.encoding) !== 'json/plain');
      expect(sealed.length, file).toBeGreaterThan(0);
      for (const p of sealed) {
        expect(text(p.metadata?.encoding), file).toBe(ENCRYPTED_ENCODING);
        expect(text(p.metadata?.[KEY_ID_METADATA]), file).toBe(keyId);
      }
      expect(raw, file).not.toContain('@example.com');
    }
  });
});

describe('recorded histories replay deterministically', () => {
  it('replays every recorded history without a non-determinism error', async () => {
    const histories = files.map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: loadHistory(file) }));
    const results: Array<{ workflowId: string; error: unknown }> = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error });
    }
    expect(results.map((r) => r.workflowId).sort()).toEqual(histories.map((h) => h.workflowId).sort());
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${String(r.error)}`)).toEqual([]);
  });

  it('the guard works: a copy of the workflows that schedules the projection under another name fails to replay a corpus history', async () => {
    const code = readFileSync(inject('workflowBundlePath'), 'utf8');
    // The order workflow's activities are destructured from proxyActivities: point `projectOrder` at another activity type.
    const changed = code.replace('{ projectOrder, createPayment, sendEmail } =', '{ renamedProjection: projectOrder, createPayment, sendEmail } =');
    expect(changed).not.toBe(code);
    const history = loadHistory('v0.1.0/card-paid.json');

    await expect(Worker.runReplayHistory({ workflowBundle: { code }, dataConverter: testDataConverter }, history, 'card-paid')).resolves.toBeUndefined();
    const error = await Worker.runReplayHistory({ workflowBundle: { code: changed }, dataConverter: testDataConverter }, history, 'card-paid').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect(String(error)).toMatch(/projectOrder|renamedProjection/);
  });
});
