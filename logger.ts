import { createRequire } from 'node:module';
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Secrets never reach the logs, whatever logs them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["payment-signature"]',
  'req.headers.cookie',
  '*.token',
  '*.accessToken',
  '*.apiKey',
  '*.secret',
  '*.webhookSecret',
  '*.password',
  '*.headers.authorization',
  '*.headers["payment-signature"]',
  '*.headers["idempotency-key"]',
];

/**
 * `json`: one object a line, for a log collector (production).
 * `pretty`: coloured, one readable line per entry, for a developer's terminal.
 */
export type LogFormat = 'json' | 'pretty';

export function createLogger(level: string, name?: string, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const options = { level, name, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (format === 'pretty') return pino(options, prettyStream(destination));
  return destination ? pino(options, destination) : pino(options);
}

/** The process's logger as configured (LOG_LEVEL, LOG_FORMAT: pretty in development, JSON otherwise). */
export function loggerOf(config: { logLevel: string; logFormat: LogFormat }, name: string): Logger {
  return createLogger(config.logLevel, name, undefined, config.logFormat);
}

function prettyStream(destination?: DestinationStream): DestinationStream {
  // pino-pretty is a development dependency (config.ts refuses LOG_FORMAT=pretty in production): loaded only here.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    colorize: destination ? false : Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    hideObject: false,
    singleLine: true,
    sync: true,
    ...(destination ? { destination } : {}),
  });
}

/**
 * The Temporal SDK's own messages (worker state, core warnings) through the
 * same logger, so they share the format: for Runtime.install({ logger }).
 */
export function temporalLoggerOf(logger: Logger): TemporalLogger {
  const sdk = logger.child({ name: 'temporal' });
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    sdk[method](meta ?? {}, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

export type { Logger };
