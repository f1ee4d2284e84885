/**
 * Customer data encrypted in workflow histories: a payload codec with
 * AES-256-GCM (after temporalio/samples-typescript encryption/).
 *
 * Each encoded payload is the whole original payload (metadata and data,
 * protobuf) sealed with one key; its metadata names that key
 * (`encryption-key-id`), so keys rotate: the first key of PAYLOAD_KEYS
 * encrypts, every key listed decrypts. A payload that is not encrypted
 * (histories written before the codec) passes through decode unchanged, so
 * old histories still replay.
 *
 * Wire layout of `data`: 12-byte IV ‖ ciphertext ‖ 16-byte GCM tag. The key
 * id is authenticated data: a payload relabelled with another key id fails.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_ENCODING_KEY, ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { ConfigError, type Config } from '../config.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

const PayloadMessage = proto.temporal.api.common.v1.Payload;
const text = new TextEncoder();
const untext = new TextDecoder();

export interface PayloadKey {
  id: string;
  key: Buffer;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: PayloadKey;

  /** `keys[0]` encrypts; all of them decrypt. */
  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new ConfigError('Invalid configuration:\n  PAYLOAD_KEYS: at least one key is needed.');
    for (const k of keys) {
      if (k.key.length !== KEY_BYTES) throw new ConfigError(`Invalid configuration:\n  PAYLOAD_KEYS: key "${k.id}" must be ${KEY_BYTES} bytes (AES-256).`);
    }
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.current = keys[0]!;
  }

  get encryptingKeyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, this.current.key, iv);
      cipher.setAAD(text.encode(this.current.id));
      const sealed = Buffer.concat([cipher.update(PayloadMessage.encode(payload).finish()), cipher.final()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: text.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text.encode(this.current.id) },
        data: new Uint8Array(Buffer.concat([iv, sealed, cipher.getAuthTag()])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || untext.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      if (!keyIdBytes) throw new ValueError('An encrypted payload without its encryption-key-id cannot be decrypted.');
      const keyId = untext.decode(keyIdBytes);
      const key = this.keys.get(keyId);
      if (!key) throw new ValueError(`The payload was encrypted with key "${keyId}", which PAYLOAD_KEYS does not list.`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('The encrypted payload is truncated.');
      const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES));
      decipher.setAAD(keyIdBytes);
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new ValueError(`The encrypted payload failed authentication with key "${keyId}": it was altered, or the key is not the one it was sealed with.`);
      }
      const decoded = PayloadMessage.decode(plain);
      return { metadata: decoded.metadata, data: decoded.data };
    });
  }
}

const KEY_ID = /^[\w.-]{1,64}$/;

/** "id1:base64key,id2:base64key" (the first encrypts). Errors name PAYLOAD_KEYS, never a key. */
export function parsePayloadKeys(value: string): PayloadKey[] {
  const problems: string[] = [];
  const keys: PayloadKey[] = [];
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .forEach((part, index) => {
      const colon = part.indexOf(':');
      const id = colon > 0 ? part.slice(0, colon) : '';
      const encoded = colon > 0 ? part.slice(colon + 1) : '';
      if (!KEY_ID.test(id)) return problems.push(`entry ${index + 1}: expected <key id>:<base64 key>, the id of letters, digits, "_", "." or "-"`);
      const key = Buffer.from(encoded, 'base64');
      if (key.length !== KEY_BYTES || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
        return problems.push(`key "${id}": must be ${KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`);
      }
      if (keys.some((k) => k.id === id)) return problems.push(`key "${id}": listed twice`);
      keys.push({ id, key });
    });
  if (keys.length === 0 && problems.length === 0) problems.push('no key given');
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  PAYLOAD_KEYS: ${p}`).join('\n')}`);
  return keys;
}

/**
 * PAYLOAD_KEYS when set. Otherwise, outside production, the development key
 * kept in `<DATA_DIR>/payload-key` (made on first use, so histories written
 * by an earlier `npm start` still decrypt); production refuses to start.
 */
export function payloadKeysOf(config: Pick<Config, 'env' | 'dataDir' | 'payloadKeys'>): PayloadKey[] {
  if (config.payloadKeys) return parsePayloadKeys(config.payloadKeys);
  if (config.env === 'production') {
    throw new ConfigError('Invalid configuration:\n  PAYLOAD_KEYS: required in production (e.g. "k1:$(openssl rand -base64 32)"); customer data in workflow histories is encrypted with it.');
  }
  return parsePayloadKeys(developmentKey(config.dataDir));
}

function developmentKey(dataDir: string): string {
  const file = join(dataDir, 'payload-key');
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': two processes starting together keep the one key written first.
    writeFileSync(file, `dev-${randomBytes(4).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

const codecs = new Map<string, EncryptionCodec>();

/** One codec per key set for the process (the development key file is read once). */
export function payloadCodecOf(config: Pick<Config, 'env' | 'dataDir' | 'payloadKeys'>): EncryptionCodec {
  const cacheKey = `${config.env}\u0000${config.dataDir}\u0000${config.payloadKeys ?? ''}`;
  let codec = codecs.get(cacheKey);
  if (!codec) {
    codec = new EncryptionCodec(payloadKeysOf(config));
    codecs.set(cacheKey, codec);
  }
  return codec;
}

/** For Worker.create, new Client, the test environments and the replayer. */
export function dataConverterOf(config: Pick<Config, 'env' | 'dataDir' | 'payloadKeys'>): DataConverter {
  return { payloadCodecs: [payloadCodecOf(config)] };
}
