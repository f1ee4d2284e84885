/**
 * Histories recorded from real runs (`npm run record-histories`) must replay
 * against today's workflow code: a change that would break orders already in
 * flight fails here, not in production.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

const DIR = fileURLToPath(new URL('./histories', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('recorded order histories replay deterministically', () => {
  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
  });

  it('replays every recorded history without a non-determinism error', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8'))),
    }));
    const results: Array<{ workflowId: string; error: unknown }> = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error });
    }
    expect(results.map((r) => r.workflowId).sort()).toEqual(histories.map((h) => h.workflowId).sort());
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${String(r.error)}`)).toEqual([]);
  });
});
