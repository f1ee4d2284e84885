/** The payload codec: AES-256-GCM, key id in the metadata, rotation, old histories pass through. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, ValueError, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, dataConverterOf, parsePayloadKeys, payloadKeysOf } from '../operations/payload-codec.js';

const key = (byte: number) => Buffer.alloc(32, byte);
const K1 = { id: 'k1', key: key(1) };
const K2 = { id: 'k2', key: key(2) };
const customer = { email: 'carla@example.com', name: 'Carla Secret', address: { line1: '1 rue de la Paix' } };
const plain = (): Payload => defaultPayloadConverter.toPayload(customer)!;
const utf8 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');

describe('EncryptionCodec', () => {
  it('round-trips a payload, and what it stores carries no customer data', async () => {
    const codec = new EncryptionCodec([K1]);
    const [encoded] = await codec.encode([plain()]);
    expect(utf8(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(utf8(encoded!.metadata![KEY_ID_METADATA])).toBe('k1');
    const stored = Buffer.from(encoded!.data!).toString('latin1');
    for (const secret of ['carla@example.com', 'Carla Secret', 'rue de la Paix', 'json/plain']) expect(stored).not.toContain(secret);
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(customer);
    expect(utf8(decoded!.metadata!.encoding)).toBe('json/plain');
    // A fresh IV each time: the same value never encrypts to the same bytes.
    const [again] = await codec.encode([plain()]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(encoded!.data!))).toBe(false);
  });

  it('detects a payload altered in storage', async () => {
    const codec = new EncryptionCodec([K1]);
    const [encoded] = await codec.encode([plain()]);
    for (const at of [0, 20, encoded!.data!.length - 1]) {
      const data = Buffer.from(encoded!.data!);
      data[at] = data[at]! ^ 0x01;
      await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow(/altered/);
    }
    await expect(codec.decode([{ ...encoded!, data: encoded!.data!.subarray(0, 10) }])).rejects.toThrow(ValueError);
  });

  it('binds the key id: a payload relabelled with another known key fails', async () => {
    const [encoded] = await new EncryptionCodec([K1]).encode([plain()]);
    const both = new EncryptionCodec([K2, K1]);
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('k2') } };
    await expect(both.decode([relabelled])).rejects.toThrow(/altered|not the one/);
  });

  it('rotates: a new first key encrypts, the old one still decrypts, a dropped one is named', async () => {
    const [old] = await new EncryptionCodec([K1]).encode([plain()]);
    const rotated = new EncryptionCodec([K2, K1]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(customer);
    const [fresh] = await rotated.encode([plain()]);
    expect(utf8(fresh!.metadata![KEY_ID_METADATA])).toBe('k2');
    const withoutK1 = new EncryptionCodec([K2]);
    expect(defaultPayloadConverter.fromPayload((await withoutK1.decode([fresh!]))[0]!)).toEqual(customer);
    await expect(withoutK1.decode([old!])).rejects.toThrow('encrypted with key "k1", which PAYLOAD_KEYS does not list');
  });

  it('passes unencrypted payloads through decode unchanged, so histories from before the codec replay', async () => {
    const codec = new EncryptionCodec([K1]);
    const before = plain();
    const binary: Payload = { metadata: { encoding: new TextEncoder().encode('binary/null') } };
    const [a, b] = await codec.decode([before, binary]);
    expect(a).toBe(before);
    expect(b).toBe(binary);
  });

  it('is the data converter the lead wires into the worker and client', async () => {
    const converter = dataConverterOf({ env: 'test', dataDir: 'unused', payloadKeys: `k1:${key(1).toString('base64')}` });
    const [codec] = converter.payloadCodecs!;
    const [encoded] = await codec!.encode([plain()]);
    expect(defaultPayloadConverter.fromPayload((await new EncryptionCodec([K1]).decode([encoded!]))[0]!)).toEqual(customer);
  });
});

describe('PAYLOAD_KEYS', () => {
  it('reads "id:base64key,..." with the first key encrypting', () => {
    const keys = parsePayloadKeys(` k2:${key(2).toString('base64')}, k1:${key(1).toString('base64')} `);
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(new EncryptionCodec(keys).encryptingKeyId).toBe('k2');
  });

  it('refuses malformed keys with a message that names the variable and never the key', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const cases = [`k1:${short}`, 'k1:not base64!!', `:${key(1).toString('base64')}`, `k1:${key(1).toString('base64')},k1:${key(2).toString('base64')}`, '', ' , '];
    for (const value of cases) {
      let error: unknown;
      try {
        parsePayloadKeys(value);
      } catch (e) {
        error = e;
      }
      expect(error, value).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('PAYLOAD_KEYS');
      expect((error as Error).message).not.toContain(short);
    }
  });

  it('is required in production', () => {
    expect(() => payloadKeysOf({ env: 'production', dataDir: 'unused', payloadKeys: undefined })).toThrow(/PAYLOAD_KEYS: required in production/);
  });

  it('in development, generates one key under DATA_DIR and keeps it', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'codec-')), 'data');
    const first = payloadKeysOf({ env: 'development', dataDir, payloadKeys: undefined });
    const second = payloadKeysOf({ env: 'development', dataDir, payloadKeys: undefined });
    expect(first).toHaveLength(1);
    expect(second[0]!.id).toBe(first[0]!.id);
    expect(second[0]!.key.equals(first[0]!.key)).toBe(true);
    const file = join(dataDir, 'payload-key');
    expect(readFileSync(file, 'utf8')).toContain(first[0]!.id);
    expect(statSync(file).mode & 0o077).toBe(0);
  });
});
