/**
 * `npm run replay -- [--namespace <ns>] [--query '<visibility query>'] [--limit N]`:
 * the pre-deploy check (deploy/README.md). Downloads the histories of the most
 * recent runs of a live namespace — open and closed, whatever the query
 * selects — and replays them against this working tree's workflows, the code
 * about to be deployed. A run the new code would not replay identically
 * (non-determinism) would be stuck in production: exit 1, naming it.
 *
 * It connects as the worker does (envconfig: TEMPORAL_ADDRESS, TLS, API key,
 * TEMPORAL_NAMESPACE) and decodes with the worker's codec (PAYLOAD_KEYS), so
 * it reads encrypted histories. `--bundle <file>` (undocumented; tests) replays
 * against a prebuilt workflow bundle instead of bundling the working tree.
 *
 * Exit codes: 0 all replayed; 1 a non-determinism or another replay failure;
 * 2 a usage or connection problem.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { Client as TemporalClient } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { ConfigError, loadConfig } from '../config.js';
import { dataConverterOf } from '../operations/payload-codec.js';
import { connectClient, temporalConnectionOptions } from '../operations/temporal-connection.js';
import { prebuildWorkflowBundle } from '../worker.js';

export interface ReplayOptions {
  namespace: string;
  query: string | undefined;
  limit: number;
  bundlePath: string;
}

export interface ReplaySummary {
  replayed: number;
  nonDeterministic: Array<{ workflowId: string; runId: string; message: string }>;
  failed: Array<{ workflowId: string; runId: string; message: string }>;
}

/** The most recent runs the query selects (the visibility store lists newest first), at most `limit`. */
async function recentRuns(client: Client, query: string | undefined, limit: number): Promise<Array<{ workflowId: string; runId: string }>> {
  const runs: Array<{ workflowId: string; runId: string }> = [];
  if (limit <= 0) return runs;
  for await (const run of client.workflow.list(query ? { query, pageSize: Math.min(limit, 1000) } : { pageSize: Math.min(limit, 1000) })) {
    runs.push({ workflowId: run.workflowId, runId: run.runId });
    if (runs.length >= limit) break;
  }
  return runs;
}

export async function replayNamespace(client: Client, dataConverter: DataConverter, options: ReplayOptions): Promise<ReplaySummary> {
  const runs = await recentRuns(client, options.query, options.limit);
  const byRun = new Map(runs.map((r) => [`${r.workflowId}#${r.runId}`, r]));
  // Downloaded as the replayer asks for them, so a large limit does not hold every history in memory at once.
  async function* histories(): AsyncGenerator<{ workflowId: string; history: temporal.api.history.v1.IHistory }> {
    for (const run of runs) {
      // The raw (still encrypted) history: the replayer decodes it with the codec, as a worker would.
      yield { workflowId: `${run.workflowId}#${run.runId}`, history: await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory() };
    }
  }
  const summary: ReplaySummary = { replayed: 0, nonDeterministic: [], failed: [] };
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: options.bundlePath }, dataConverter, replayName: 'pre-deploy-replay' }, histories())) {
    summary.replayed++;
    if (!result.error) continue;
    const run = byRun.get(result.workflowId) ?? { workflowId: result.workflowId, runId: '' };
    const entry = { ...run, message: result.error instanceof Error ? result.error.message : String(result.error) };
    (result.error instanceof DeterminismViolationError ? summary.nonDeterministic : summary.failed).push(entry);
  }
  return summary;
}

function usage(message: string): never {
  throw new ConfigError(`${message}\nUsage: npm run replay -- [--namespace <namespace>] [--query '<visibility query>'] [--limit <N, default 100>]`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { namespace: { type: 'string' }, query: { type: 'string' }, limit: { type: 'string' }, bundle: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const config = loadConfig();
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) usage(`--limit takes a whole number of runs, 1 or more (got ${values.limit}).`);
  if (!config.temporal.address) usage('No Temporal to read from: set TEMPORAL_ADDRESS (or a TOML profile), as for the worker.');
  const namespace = values.namespace ?? config.temporal.namespace;
  const dataConverter = dataConverterOf(config);
  const connection = await connectClient(temporalConnectionOptions(config));
  try {
    const client = new TemporalClient({ connection, namespace, dataConverter });
    const bundlePath = values.bundle ?? (await prebuildWorkflowBundle());
    const summary = await replayNamespace(client, dataConverter, { namespace, query: values.query, limit, bundlePath });
    for (const r of summary.nonDeterministic) console.error(`NON-DETERMINISTIC ${r.workflowId} (run ${r.runId}): ${r.message}`);
    for (const r of summary.failed) console.error(`FAILED ${r.workflowId} (run ${r.runId}): ${r.message}`);
    const ok = summary.replayed - summary.nonDeterministic.length - summary.failed.length;
    console.log(
      `replay: ${summary.replayed} histories from namespace ${namespace}${values.query ? ` (${values.query})` : ''}: ${ok} ok, ${summary.nonDeterministic.length} non-deterministic, ${summary.failed.length} failed`,
    );
    return summary.nonDeterministic.length + summary.failed.length === 0 ? 0 : 1;
  } finally {
    await connection.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof ConfigError || (error instanceof Error && error.name === 'TemporalConnectionError') ? error.message : error);
      process.exit(2);
    },
  );
}
