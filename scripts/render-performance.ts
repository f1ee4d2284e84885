/**
 * `npm run bench:render`: writes the figures of a benchmark result (the latest
 * bench/results/*.json unless --result names one) into the Performance table of
 * a document, between `<!-- perf:start -->` and `<!-- perf:end -->`, so the
 * published figures are always a result file's, never copied by hand.
 *
 *   npm run bench:render                                   # latest result → docs/performance.md
 *   npm run bench:render -- --result bench/results/X.json --target README.md
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const START = '<!-- perf:start -->';
export const END = '<!-- perf:end -->';

/** The fields of bench/run.ts's result JSON this table reads; older files lack some. */
export interface BenchResult {
  at: string;
  machine: string;
  settings: { sessions: number; concurrency: number; abandon: number; idleFresh?: boolean; storm?: number };
  completedOrders: number;
  seconds: number;
  ordersPerSecond: number;
  baselinePerSecond: number;
  throughputRatio: number;
  addLineP99Ms: number;
  baselineUpdateP99Ms: number;
  latencyRatio: number;
  addLineP50Ms?: number;
  validateP50Ms?: number;
  actionsPerOrder: { total: number } & Record<string, number>;
  queriesPerOrder?: number;
  queries?: { source: string };
  historyEventsPerOrder?: number;
  baseline?: { pinned: boolean };
  memory: { workerPeakMb: number; apiPeakMb: number };
  idle: { carts: number; seconds: number; workerRssMb: number; workerRssBeforeMb: number; target: number; fresh?: boolean } | null;
  storm?: { reminders: number; sent: number; duplicates: number; seconds: number; latenessP50Ms: number; latenessP99Ms: number } | null;
  stockContention?: { orders: number; sameProduct: StockRun; disjointProducts: StockRun } | null;
}

interface StockRun {
  wallMs: number;
  p50Ms: number;
  p99Ms: number;
}

const n = (value: number | undefined, digits = 1): string => (value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits));
const int = (value: number): string => Math.round(value).toLocaleString('en-US');

export function renderTable(r: BenchResult, source: string): string {
  const rows: Array<[string, string, string]> = [];
  rows.push(['orders/s, end to end', n(r.ordersPerSecond, 2), '']);
  rows.push([`baseline sessions/s (${r.baseline?.pinned ? 'pinned shape' : 'shape following ours'}, same server and concurrency)`, n(r.baselinePerSecond, 2), '']);
  rows.push(['ours / baseline throughput', n(r.throughputRatio, 2), '≥ 0.8']);
  rows.push(['add-line p99 / baseline update p99', `${n(r.addLineP99Ms, 0)} / ${n(r.baselineUpdateP99Ms, 0)} ms = ${n(r.latencyRatio, 2)}`, '≤ 1.5']);
  const validateRatio = r.validateP50Ms !== undefined && r.addLineP50Ms !== undefined ? r.validateP50Ms / r.addLineP50Ms : undefined;
  rows.push(['validate p50 / add-line p50', `${n(r.validateP50Ms, 0)} / ${n(r.addLineP50Ms, 0)} ms = ${n(validateRatio, 2)}`, '≤ 2']);
  rows.push(['billable actions per order (docs’ count, queries included)', n(r.actionsPerOrder.total), '≤ 20']);
  rows.push(['of which queries', n(r.queriesPerOrder), '']);
  rows.push(['history events per order (order + delivery)', n(r.historyEventsPerOrder, 0), '≤ 80']);
  rows.push(['worker / API peak RSS', `${n(r.memory.workerPeakMb, 0)} / ${n(r.memory.apiPeakMb, 0)} MB`, '']);
  if (r.idle) {
    const { idle } = r;
    const measured = `${int(idle.carts)}${idle.fresh ? ' from a fresh worker' : ''} in ${n(idle.seconds, 0)} s: ${n(idle.workerRssMb, 0)} MB (from ${n(idle.workerRssBeforeMb, 0)})`;
    const perCart = (idle.workerRssMb - idle.workerRssBeforeMb) / Math.max(1, idle.carts);
    const extrapolated = idle.carts < idle.target ? `; ${int(idle.target)} extrapolated: ${n(idle.workerRssBeforeMb + perCart * idle.target, 0)} MB` : '';
    rows.push(['idle carts, worker RSS', measured + extrapolated, '< 400 MB at 10,000']);
  }
  if (r.storm) {
    const s = r.storm;
    rows.push([
      'reminder storm',
      `${int(s.sent)} / ${int(s.reminders)} sent in ${n(s.seconds, 0)} s, ${int(s.duplicates)} twice; lateness p50 ${n(s.latenessP50Ms / 1000)} s, p99 ${n(s.latenessP99Ms / 1000)} s`,
      'all within 5 min, none twice',
    ]);
  }
  if (r.stockContention) {
    const { orders, sameProduct: same, disjointProducts: apart } = r.stockContention;
    const run = (x: StockRun) => `p50 ${n(x.p50Ms, 0)} ms, p99 ${n(x.p99Ms, 0)} ms, all ${n(x.wallMs, 0)} ms`;
    rows.push([`${orders} stock requests at once, all for one product (they queue on its lock)`, run(same), '']);
    rows.push([`${orders} stock requests at once, a product each (no lock in common)`, run(apart), 'none waits for another']);
  }
  const kinds = Object.entries(r.actionsPerOrder)
    .filter(([kind, value]) => kind !== 'total' && value > 0)
    .map(([kind, value]) => `${kind.replace(/_/g, ' ')} ${n(value)}`)
    .join(', ');
  return [
    `Rendered from \`${source}\` (${r.at}): ${r.machine}; ${r.settings.sessions} sessions at concurrency ${r.settings.concurrency}, ${Math.round(r.settings.abandon * 100)}% abandoned, ${r.completedOrders} orders delivered in ${n(r.seconds, 0)} s.`,
    '',
    '| figure | value | aim |',
    '| --- | ---: | --- |',
    ...rows.map(([figure, value, aim]) => `| ${figure} | ${value} | ${aim} |`),
    '',
    `Actions per order by kind: ${kinds}.${r.queries ? ` Queries counted from ${r.queries.source}.` : ''}`,
  ].join('\n');
}

/** Replaces what lies between the markers; the markers must be there, once each, in order. */
export function replaceBetweenMarkers(text: string, block: string): string {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start || text.indexOf(START, start + 1) >= 0 || text.indexOf(END, end + 1) >= 0) {
    throw new Error(`the document needs one ${START} and, after it, one ${END}`);
  }
  return `${text.slice(0, start + START.length)}\n${block}\n${text.slice(end)}`;
}

export function latestResult(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no result in ${dir}: run \`npm run bench\` first`);
  return join(dir, files[files.length - 1]!);
}

function main(): void {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const { values } = parseArgs({ options: { result: { type: 'string' }, target: { type: 'string', default: 'docs/performance.md' } } });
  const resultFile = values.result ? resolve(values.result) : latestResult(join(root, 'bench', 'results'));
  const target = resolve(root, values.target!);
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as BenchResult;
  writeFileSync(target, replaceBetweenMarkers(readFileSync(target, 'utf8'), renderTable(result, relative(root, resultFile))));
  console.log(`${relative(root, target)}: figures of ${relative(root, resultFile)}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
