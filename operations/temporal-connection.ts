/**
 * How every process reaches Temporal: the SDK's environment configuration
 * (@temporalio/envconfig), the convention Temporal's CLI and SDKs share.
 *
 * A TOML profile (TEMPORAL_CONFIG_FILE, or ~/.config/temporalio/temporal.toml;
 * TEMPORAL_PROFILE picks one, "default" otherwise; read only when one of these
 * two is set) and the TEMPORAL_* variables over it: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY (Temporal
 * Cloud; implies TLS), TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH/_DATA,
 * TEMPORAL_TLS_CLIENT_KEY_PATH/_DATA (mTLS), TEMPORAL_TLS_SERVER_CA_CERT_PATH/_DATA,
 * TEMPORAL_TLS_SERVER_NAME (SNI), TEMPORAL_GRPC_META_<NAME>.
 *
 * config.ts reads it once (loadTemporalProfile); the worker, the API and the
 * scripts connect with temporalConnectionOptions(config).
 */
import { isIP } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Connection, type TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

export interface TemporalProfile {
  /** Unset: `npm start` and the tests run a dev server themselves. */
  address: string | undefined;
  namespace: string | undefined;
  apiKey: string | undefined;
  /** Undefined or false: plain TCP (the dev server); true: TLS with the system's CAs; an object: its CA, SNI, client pair. */
  tls: TLSConfig | boolean | undefined;
  metadata: Record<string, string> | undefined;
}

/** The profile and variables as the SDK reads them; throws an Error whose message says what is wrong, never a secret. */
export function loadTemporalProfile(env: Record<string, string | undefined>): TemporalProfile {
  const defined = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  // The TOML file only when asked for: a developer's CLI profile (say, for Temporal Cloud) in the default
  // location must not send `npm start` or the tests to that cluster instead of their own dev server.
  const profile = loadClientConfigProfile({ overrideEnvVars: defined, disableFile: !defined.TEMPORAL_CONFIG_FILE && !defined.TEMPORAL_PROFILE });
  const tls = profile.tls;
  if (tls && !tls.disabled && Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
    throw new Error('mTLS needs both the client certificate and its key (TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_*, or client_cert_* and client_key_* in the profile).');
  }
  const { connectionOptions, namespace } = toClientOptions(profile);
  return {
    address: connectionOptions.address,
    namespace,
    apiKey: typeof connectionOptions.apiKey === 'string' ? connectionOptions.apiKey : undefined,
    tls: connectionOptions.tls ?? undefined,
    // The profile's grpc_meta and TEMPORAL_GRPC_META_* are text.
    metadata: connectionOptions.metadata as Record<string, string> | undefined,
  };
}

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/** Options for Connection.connect (client) and NativeConnection.connect (worker) alike. */
export function temporalConnectionOptions(
  config: { temporal: { address: string | undefined; connection: Omit<TemporalProfile, 'address' | 'namespace'> } },
  address = config.temporal.address,
): TemporalConnectionOptions {
  if (!address) throw new Error('No Temporal address: set TEMPORAL_ADDRESS or an address in the TOML profile.');
  const { tls, apiKey, metadata } = config.temporal.connection;
  return { address, ...(tls !== undefined ? { tls } : {}), ...(apiKey ? { apiKey } : {}), ...(metadata ? { metadata } : {}) };
}

export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
}

/** Says which setting to look at when the first connection fails (a TLS handshake refused, an unreachable address). */
export function explainConnectionFailure(error: unknown, options: TemporalConnectionOptions): TemporalConnectionError {
  const cause = error instanceof Error ? error.message : String(error);
  const tls = options.tls ? 'over TLS' : 'without TLS';
  const withoutClientCert = Boolean(options.tls) && !(typeof options.tls === 'object' && options.tls.clientCertPair);
  const clientCertHint = ' A cluster that requires mTLS refuses a connection without a client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH.';
  let hint: string;
  if (/CertificateRequired|certificate required/i.test(cause)) {
    hint = withoutClientCert ? clientCertHint : ' The server did not accept the client certificate: check TEMPORAL_TLS_CLIENT_CERT_PATH against the CA the cluster trusts.';
  } else if (/certificate|handshake|ssl|alert|verify|issuer/i.test(cause)) {
    hint = ' The server certificate was not accepted: check TEMPORAL_TLS_SERVER_CA_CERT_PATH (the CA that signed it) and TEMPORAL_TLS_SERVER_NAME (the name it was issued for).';
  } else if (options.tls) {
    hint = ` Check TEMPORAL_ADDRESS, and that the server speaks TLS there.${withoutClientCert ? clientCertHint : ''}`;
  } else {
    hint = ' Check TEMPORAL_ADDRESS; a cluster that requires TLS needs TEMPORAL_TLS=true or the TLS settings.';
  }
  return new TemporalConnectionError(`Could not connect to Temporal at ${options.address} ${tls}: ${cause}.${hint}`, { cause: error });
}

export async function connectClient(options: TemporalConnectionOptions & { connectTimeout?: number }): Promise<Connection> {
  try {
    return await Connection.connect(options);
  } catch (error) {
    // grpc-js reports a refused TLS handshake as a mere deadline: one handshake of our own finds the reason.
    const handshake = options.tls ? await tlsHandshakeProblem(options) : undefined;
    throw explainConnectionFailure(handshake ? new Error(`${(error as Error).message}; TLS handshake: ${handshake}`, { cause: error }) : error, options);
  }
}

/** The reason a TLS handshake with these settings fails, or undefined when it succeeds (or the address does not answer). */
export async function tlsHandshakeProblem(options: TemporalConnectionOptions, timeoutMs = 3_000): Promise<string | undefined> {
  const { host, port } = splitAddress(options.address);
  const tls = typeof options.tls === 'object' ? options.tls : {};
  return new Promise((resolve) => {
    const socket = connectTls({
      host,
      port,
      servername: tls.serverNameOverride ?? (isIP(host) ? undefined : host),
      ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
      ...(tls.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
      ALPNProtocols: ['h2'],
    });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' ? undefined : `${error.code ?? 'error'}: ${error.message}`));
  });
}

function splitAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  return match ? { host: match[1]!, port: Number(match[2]) } : { host: address, port: 7233 };
}

export async function connectWorker(options: TemporalConnectionOptions): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(options);
  } catch (error) {
    throw explainConnectionFailure(error, options);
  }
}
