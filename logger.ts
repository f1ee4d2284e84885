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

export function createLogger(level: string, name?: string, destination?: DestinationStream): Logger {
  const options = { level, name, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
