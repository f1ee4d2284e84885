/**
 * A real TLS connection to Temporal, configured the SDK's way (TEMPORAL_*
 * variables or a TOML profile). The dev server speaks plain gRPC, so a
 * TLS-terminating proxy started here stands in front of it, with a CA made
 * here by openssl, and asks the client for its certificate (mTLS).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { connectClient, connectWorker, TemporalConnectionError, temporalConnectionOptions } from '../operations/temporal-connection.js';

const SERVER_NAME = 'temporal.orders.test';
let dir: string;
let proxy: TlsServer;
let proxyAddress: string;
/** The common name of each client certificate the proxy accepted. */
const clients: string[] = [];
const sockets = new Set<Socket>();

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, and a certificate it signs (EC P-256, with the names webpki checks in the SAN). */
function makeCa(name: string) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
}
function sign(ca: string, name: string, extensions: string) {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
}
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orders-tls-'));
  makeCa('orders-ca');
  makeCa('other-ca');
  sign('orders-ca', 'server', `subjectAltName=DNS:${SERVER_NAME}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
  sign('orders-ca', 'orders-worker', 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n');

  const [host, port] = inject('temporalAddress').split(':');
  proxy = createTlsServer(
    { key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')), ca: readFileSync(file('orders-ca.pem')), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket: TLSSocket) => {
      clients.push(String(socket.getPeerCertificate().subject?.CN));
      const upstream = connectTcp(Number(port), host);
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      socket.pipe(upstream).pipe(socket);
    },
  );
  proxy.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  proxyAddress = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const mtls = () => ({
  TEMPORAL_ADDRESS: proxyAddress,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('orders-ca.pem'),
  TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
  TEMPORAL_TLS_CLIENT_CERT_PATH: file('orders-worker.pem'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: file('orders-worker.key'),
});

describe('a Temporal cluster behind TLS', () => {
  it('connects the client and the worker with mTLS from TEMPORAL_* variables', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ...mtls() });
    const options = temporalConnectionOptions(config);
    expect(options.tls).toMatchObject({ serverNameOverride: SERVER_NAME });
    const before = clients.length;

    const client = await connectClient(options);
    try {
      const info = await client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/\d+\.\d+/);
      const namespace = await client.workflowService.describeNamespace({ namespace: config.temporal.namespace });
      expect(namespace.namespaceInfo?.name).toBe('default');
    } finally {
      await client.close();
    }
    const worker = await connectWorker(options);
    try {
      expect((await worker.workflowService.getSystemInfo({})).serverVersion).toMatch(/\d+\.\d+/);
    } finally {
      await worker.close();
    }
    // Both went through the proxy's TLS, each presenting the client certificate.
    expect(clients.slice(before)).toContain('orders-worker');
    expect(new Set(clients.slice(before))).toEqual(new Set(['orders-worker']));
  });

  it('connects from a TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), namespace included', async () => {
    const toml = file('temporal.toml');
    writeFileSync(
      toml,
      [
        '[profile.default]',
        'address = "127.0.0.1:1"',
        '',
        '[profile.secure]',
        `address = "${proxyAddress}"`,
        'namespace = "default"',
        '[profile.secure.tls]',
        `server_name = "${SERVER_NAME}"`,
        `server_ca_cert_path = "${file('orders-ca.pem')}"`,
        `client_cert_path = "${file('orders-worker.pem')}"`,
        `client_key_path = "${file('orders-worker.key')}"`,
        '',
      ].join('\n'),
    );
    const config = loadConfig({ NODE_ENV: 'test', TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'secure' });
    expect(config.temporal.address).toBe(proxyAddress);
    expect(config.temporal.namespace).toBe('default');
    const client = await connectClient(temporalConnectionOptions(config));
    try {
      expect((await client.workflowService.getSystemInfo({})).serverVersion).toMatch(/\d+\.\d+/);
    } finally {
      await client.close();
    }
    // The variables win over the profile, as in Temporal's CLI.
    expect(loadConfig({ NODE_ENV: 'test', TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'secure', TEMPORAL_NAMESPACE: 'orders-prod' }).temporal.namespace).toBe('orders-prod');
    expect(() => loadConfig({ NODE_ENV: 'test', TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'missing' })).toThrow(/Profile 'missing' not found/);
  });

  it("reads the default file's profile only when TEMPORAL_PROFILE asks for it", () => {
    const home = join(dir, 'config-home');
    mkdirSync(join(home, 'temporalio'), { recursive: true });
    writeFileSync(join(home, 'temporalio', 'temporal.toml'), `[profile.default]\naddress = "${proxyAddress}"\nnamespace = "from-file"\n`);
    // A developer's CLI profile does not send npm start or the tests elsewhere...
    const unasked = loadConfig({ NODE_ENV: 'test', XDG_CONFIG_HOME: home, HOME: home });
    expect(unasked.temporal.address).toBeUndefined();
    expect(unasked.temporal.namespace).toBe('default');
    // ...unless asked.
    const asked = loadConfig({ NODE_ENV: 'test', XDG_CONFIG_HOME: home, HOME: home, TEMPORAL_PROFILE: 'default' });
    expect(asked.temporal).toMatchObject({ address: proxyAddress, namespace: 'from-file' });
  });

  it('refuses a server whose certificate another CA signed, with an error that names the setting', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ...mtls(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('other-ca.pem') });
    const options = { ...temporalConnectionOptions(config), connectTimeout: 3_000 };
    const client = await connectClient(options).then(
      () => null,
      (error: unknown) => error,
    );
    expect(client).toBeInstanceOf(TemporalConnectionError);
    expect((client as Error).message).toContain(`Could not connect to Temporal at ${proxyAddress} over TLS`);
    expect((client as Error).message).toContain('TEMPORAL_TLS_SERVER_CA_CERT_PATH');

    const worker = await connectWorker(temporalConnectionOptions(config)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(worker).toBeInstanceOf(TemporalConnectionError);
    expect((worker as Error).message).toMatch(/certificate|UnknownIssuer/i);
    expect((worker as Error).message).toContain('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  });

  it('is refused by the server without a client certificate', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...serverOnly } = mtls();
    const config = loadConfig({ NODE_ENV: 'test', ...serverOnly });
    const error = await connectWorker(temporalConnectionOptions(config)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TemporalConnectionError);
    expect((error as Error).message).toContain(`Could not connect to Temporal at ${proxyAddress} over TLS`);
    expect((error as Error).message).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH');
  });

  it('says what is wrong with half a TLS configuration before connecting', () => {
    const { TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...certOnly } = mtls();
    expect(() => loadConfig({ NODE_ENV: 'test', ...certOnly })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', ...certOnly })).toThrow(/TEMPORAL_TLS_CLIENT_KEY_/);
    expect(() => loadConfig({ NODE_ENV: 'test', ...mtls(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('no-such-ca.pem') })).toThrow(/no-such-ca\.pem/);
  });
});
