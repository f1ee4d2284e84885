/**
 * The one place that reads the environment. Parsed once with zod; a bad value
 * stops start-up with a message naming the variable.
 */
import { z } from 'zod';

const DEV_TOKENS = {
  STOREFRONT_API_TOKEN: 'dev-storefront-token',
  OPERATOR_API_TOKEN: 'dev-operator-token',
  PAYMENT_WEBHOOK_SECRET: 'dev-webhook-secret',
} as const;

const port = z.coerce.number().int().min(0).max(65535);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_URL: optionalText.pipe(z.url().optional()),
  TEMPORAL_ADDRESS: optionalText,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('orders'),
  TEMPORAL_CLI_PATH: optionalText,
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalText.pipe(z.url().optional()),
  STOREFRONT_API_TOKEN: optionalText.pipe(z.string().min(16).optional()),
  OPERATOR_API_TOKEN: optionalText.pipe(z.string().min(16).optional()),
  PAYMENT_WEBHOOK_SECRET: optionalText.pipe(z.string().min(16).optional()),
  RESEND_API_KEY: optionalText,
  RESEND_BASE_URL: optionalText.pipe(z.url().optional()),
  EMAIL_FROM: z.string().min(3).default('Demo Shop <shop@example.com>'),
  PAYMENT_PROVIDER_URL: optionalText.pipe(z.url().optional()),
  PAYMENT_PROVIDER_KEY: z.string().min(8).default('dev-provider-key'),
  /** EasyPost (the real carrier): set the key to buy real labels; unset, the demo carrier (never in production). */
  EASYPOST_API_KEY: optionalText,
  EASYPOST_API_URL: optionalText.pipe(z.url().optional()),
  /** The carrier service to buy (e.g. "Priority"); unset, the cheapest rate. */
  EASYPOST_SERVICE: optionalText,
  /** Storefront writes (cart changes, checkout) per client IP and minute; 0 turns the limit off. */
  RATE_LIMIT_STOREFRONT_WRITES: z.coerce.number().int().min(0).max(1_000_000).default(1200),
  /** Express's trust proxy: "false", "true", a hop count, or addresses; behind a proxy the client IP comes from X-Forwarded-For. */
  TRUST_PROXY: z.string().default('false'),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(500),
  PATH: z.string().default(''),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  dataDir: string;
  databaseUrl: string | undefined;
  host: string;
  port: number;
  publicUrl: string;
  temporal: {
    /** Unset: the start command runs a dev server itself. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    cliPath: string | undefined;
    devServerPort: number;
    uiPort: number;
    uiUrl: string;
  };
  tokens: { storefront: string; operator: string };
  webhookSecret: string;
  email: { resendApiKey: string | undefined; resendBaseUrl: string | undefined; from: string };
  /** The card provider's API (refunds). Default: the demo provider this API serves itself. */
  paymentProvider: { url: string; apiKey: string };
  /** The real carrier; undefined means the embedded demo carrier. */
  easypost: { apiKey: string; baseUrl: string; service: string | undefined } | undefined;
  /**
   * The demo card provider's payment page (/demo-provider/pay/<reference>): on
   * when no real provider is configured, never in production.
   */
  demoPaymentPage: boolean;
  rateLimitStorefrontWrites: number;
  trustProxy: boolean | number | string;
  /** Workflows kept in the worker's memory; the rest replay from history when they wake (an idle cart's timer). */
  workerMaxCachedWorkflows: number;
  /** Names of the secrets that fell back to their development defaults. */
  devDefaultsUsed: string[];
  searchPath: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const devDefaultsUsed = (Object.keys(DEV_TOKENS) as Array<keyof typeof DEV_TOKENS>).filter((k) => !e[k]);
  if (e.NODE_ENV === 'production') {
    const problems = devDefaultsUsed.map((k) => `  ${k}: required in production (at least 16 characters)`);
    for (const k of Object.keys(DEV_TOKENS) as Array<keyof typeof DEV_TOKENS>) {
      if (e[k] === DEV_TOKENS[k]) problems.push(`  ${k}: the development default may not be used in production`);
    }
    if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      devServerPort: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: (e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`).replace(/\/$/, ''),
    },
    tokens: {
      storefront: e.STOREFRONT_API_TOKEN ?? DEV_TOKENS.STOREFRONT_API_TOKEN,
      operator: e.OPERATOR_API_TOKEN ?? DEV_TOKENS.OPERATOR_API_TOKEN,
    },
    webhookSecret: e.PAYMENT_WEBHOOK_SECRET ?? DEV_TOKENS.PAYMENT_WEBHOOK_SECRET,
    email: { resendApiKey: e.RESEND_API_KEY, resendBaseUrl: e.RESEND_BASE_URL, from: e.EMAIL_FROM },
    paymentProvider: { url: (e.PAYMENT_PROVIDER_URL ?? `${publicUrl}/demo-provider`).replace(/\/$/, ''), apiKey: e.PAYMENT_PROVIDER_KEY },
    easypost: e.EASYPOST_API_KEY
      ? { apiKey: e.EASYPOST_API_KEY, baseUrl: e.EASYPOST_API_URL ?? 'https://api.easypost.com/v2/', service: e.EASYPOST_SERVICE }
      : undefined,
    demoPaymentPage: !e.PAYMENT_PROVIDER_URL && e.NODE_ENV !== 'production',
    workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    rateLimitStorefrontWrites: e.RATE_LIMIT_STOREFRONT_WRITES,
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    devDefaultsUsed,
    searchPath: e.PATH,
  };
}

/**
 * `npm run api` and `npm run worker` are separate processes: they need a
 * shared PostgreSQL and a Temporal cluster. PGlite is single-process, so they
 * refuse it with a message that says what to run instead.
 */
export function requireSharedServices(config: Config, command: string): { databaseUrl: string; temporalAddress: string } {
  const problems: string[] = [];
  if (!config.databaseUrl) {
    problems.push(
      `  DATABASE_URL: required by \`${command}\`. The embedded PGlite database is single-process; use \`npm start\` for the all-in-one embedded setup.`,
    );
  }
  if (!config.temporal.address) problems.push(`  TEMPORAL_ADDRESS: required by \`${command}\` (host:port of the Temporal frontend).`);
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return { databaseUrl: config.databaseUrl!, temporalAddress: config.temporal.address! };
}
