/** Logs: JSON lines in production, one readable line each in development, secrets redacted in both. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger, temporalLoggerOf, type LogFormat } from '../logger.js';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

const PROD = { STOREFRONT_API_TOKEN: 'prod-storefront-token-0123', OPERATOR_API_TOKEN: 'prod-operator-token-01234', PAYMENT_WEBHOOK_SECRET: 'prod-webhook-secret-01234' };

describe('logs', () => {
  it('are JSON lines in production, with secrets redacted', () => {
    expect(loadConfig({ NODE_ENV: 'production', ...PROD }).logFormat).toBe('json');
    const out = sink();
    createLogger('info', 'api', out.stream, 'json').info({ orderId: 'ord_1', order: { accessToken: 'tok-secret-value' } }, 'order confirmed');
    expect(out.lines).toHaveLength(1);
    const entry = JSON.parse(out.lines[0]!);
    expect(entry).toMatchObject({ level: 30, name: 'api', msg: 'order confirmed', orderId: 'ord_1', order: { accessToken: '[redacted]' } });
  });

  it('are one readable line each in development, secrets redacted there too', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.logFormat).toBe('pretty');
    const out = sink();
    const logger = createLogger('info', 'worker', out.stream, config.logFormat);
    logger.info({ orderId: 'ord_2', order: { accessToken: 'tok-secret-value' } }, 'order confirmed');
    logger.debug('not at info level');
    expect(out.lines).toHaveLength(1);
    const line = out.lines[0]!;
    expect(() => JSON.parse(line)).toThrow();
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(worker\): order confirmed /);
    expect(line).toContain('"orderId":"ord_2"');
    expect(line).not.toContain('tok-secret-value');
    expect(line).not.toContain('hostname');
  });

  it('follow LOG_FORMAT, and production refuses the pretty one', () => {
    expect(loadConfig({ NODE_ENV: 'development', LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(() => loadConfig({ NODE_ENV: 'production', ...PROD, LOG_FORMAT: 'pretty' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'development', LOG_FORMAT: 'colourful' })).toThrow(/LOG_FORMAT/);
  });

  it("carry the Temporal SDK's own messages in the same format", () => {
    for (const format of ['json', 'pretty'] as LogFormat[]) {
      const out = sink();
      const sdk = temporalLoggerOf(createLogger('info', 'worker', out.stream, format));
      sdk.info('Worker state changed', { sdkComponent: 'worker', taskQueue: 'orders', state: 'RUNNING' });
      sdk.debug('below the level');
      sdk.log('WARN', 'Slow poll', { taskQueue: 'orders' });
      expect(out.lines).toHaveLength(2);
      if (format === 'json') {
        expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: 30, name: 'temporal', msg: 'Worker state changed', state: 'RUNNING', taskQueue: 'orders' });
        expect(JSON.parse(out.lines[1]!)).toMatchObject({ level: 40, msg: 'Slow poll' });
      } else {
        expect(out.lines[0]).toContain('INFO (temporal): Worker state changed');
        expect(out.lines[1]).toContain('WARN (temporal): Slow poll');
      }
    }
  });
});
