import pino, { type Logger } from 'pino';

/** Secrets never reach the logs, whatever logs them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["payment-signature"]',
  'req.headers.cookie',
  '*.token',
  '*.accessToken',
  '*.apiKey',
  '*.secret',
];

export function createLogger(level: string, name?: string): Logger {
  return pino({ level, name, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

export type { Logger };
