import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { ConfigError } from '../errors/hookgate-error.js';
import { envSchema } from './env-schema.js';

/** The gateway config file used when `HOOKGATE_CONFIG` is unset and this file exists. */
const DEFAULT_GATEWAY_CONFIG = 'hookgate.yaml';

/** The validated, frozen configuration every tier is built from. */
export interface HookgateConfig {
  mode: 'embedded' | 'distributed';
  port: number;
  host: string;
  adminToken?: string;
  dataDir: string;
  amqpUrl?: string;
  /** Names every RabbitMQ exchange and queue (`<prefix>.events` ...), so several installations can share a broker. */
  amqpPrefix: string;
  mongodbUrl?: string;
  /** Days events and delivery attempts are kept in MongoDB before its TTL indexes expire them. */
  retentionDays: number;
  allowPrivateUrls: boolean;
  delivery: {
    retryScheduleMs: readonly number[];
    retryJitter: number;
    timeoutMs: number;
    connectTimeoutMs: number;
    maxResponseBytes: number;
    concurrency: number;
    /** Attempts in flight at once to one subscription, so a slow endpoint cannot take every slot. */
    concurrencyPerSubscription: number;
  };
  /** When a failing endpoint's subscription is disabled: dead deliveries in a row, or time failing. */
  endpointHealth: { maxConsecutiveDead: number; maxFailingMs: number };
  /** A merge window holding this many events is delivered at once. */
  maxMergedEvents: number;
  /** Subscription transforms: each evaluation's time limit, the worker processes running them, and each worker's heap. */
  transform: { timeoutMs: number; workers: number; maxMemoryMb: number };
  encryptionKey?: string;
  secretRotationGraceMs: number;
  idempotencyWindowMs: number;
  maxBodyBytes: number;
  apiRateLimit: { limit: number; windowMs: number };
  /** Failed authentications (401) allowed per client address and window before it gets 429. */
  authFailureLimit: { limit: number; windowMs: number };
  /** Express's `trust proxy`: which hops' `X-Forwarded-For` name the client address (false: none). */
  trustProxy: false | number | readonly string[];
  storagePort: number;
  processorPort: number;
  storageUrl: string;
  redisUrl?: string;
  /** The gateway's routes and plugins; unset: `./hookgate.yaml` when it exists, else only the `/v1` API. */
  gatewayConfigPath?: string;
  /** Reload the gateway config when its file changes, not only on SIGHUP. */
  gatewayConfigWatch: boolean;
  shutdownTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads `HOOKGATE_*` from the environment once, validates it and freezes the result.
 * Throws a ConfigError whose message names every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HookgateConfig {
  const input = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name.startsWith('HOOKGATE_') && value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.join(', ')}: unknown variable${issue.keys.length > 1 ? 's' : ''}`
        : `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return deepFreeze({
    mode: e.HOOKGATE_AMQP_URL || e.HOOKGATE_MONGODB_URL ? 'distributed' : 'embedded',
    port: e.HOOKGATE_PORT,
    host: e.HOOKGATE_HOST,
    adminToken: e.HOOKGATE_ADMIN_TOKEN,
    dataDir: resolve(e.HOOKGATE_DATA_DIR),
    amqpUrl: e.HOOKGATE_AMQP_URL,
    amqpPrefix: e.HOOKGATE_AMQP_PREFIX,
    mongodbUrl: e.HOOKGATE_MONGODB_URL,
    retentionDays: e.HOOKGATE_RETENTION_DAYS,
    allowPrivateUrls: e.HOOKGATE_ALLOW_PRIVATE_URLS,
    delivery: {
      retryScheduleMs: e.HOOKGATE_RETRY_SCHEDULE,
      retryJitter: e.HOOKGATE_RETRY_JITTER,
      timeoutMs: e.HOOKGATE_DELIVERY_TIMEOUT,
      connectTimeoutMs: e.HOOKGATE_CONNECT_TIMEOUT,
      maxResponseBytes: e.HOOKGATE_MAX_RESPONSE_BYTES,
      concurrency: e.HOOKGATE_DELIVERY_CONCURRENCY,
      concurrencyPerSubscription: e.HOOKGATE_SUBSCRIPTION_CONCURRENCY,
    },
    endpointHealth: { maxConsecutiveDead: e.HOOKGATE_DISABLE_AFTER_DEAD, maxFailingMs: e.HOOKGATE_DISABLE_AFTER_FAILING },
    maxMergedEvents: e.HOOKGATE_MERGE_MAX_EVENTS,
    transform: { timeoutMs: e.HOOKGATE_TRANSFORM_TIMEOUT, workers: e.HOOKGATE_TRANSFORM_WORKERS, maxMemoryMb: e.HOOKGATE_TRANSFORM_MEMORY_MB },
    encryptionKey: e.HOOKGATE_ENCRYPTION_KEY,
    secretRotationGraceMs: e.HOOKGATE_SECRET_ROTATION_GRACE,
    idempotencyWindowMs: e.HOOKGATE_IDEMPOTENCY_WINDOW,
    maxBodyBytes: e.HOOKGATE_MAX_BODY_BYTES,
    apiRateLimit: { limit: e.HOOKGATE_API_RATE_LIMIT, windowMs: e.HOOKGATE_API_RATE_WINDOW },
    authFailureLimit: { limit: e.HOOKGATE_AUTH_FAILURE_LIMIT, windowMs: e.HOOKGATE_AUTH_FAILURE_WINDOW },
    trustProxy: e.HOOKGATE_TRUST_PROXY,
    storagePort: e.HOOKGATE_STORAGE_PORT,
    processorPort: e.HOOKGATE_PROCESSOR_PORT,
    storageUrl: e.HOOKGATE_STORAGE_URL,
    redisUrl: e.HOOKGATE_REDIS_URL,
    gatewayConfigPath: e.HOOKGATE_CONFIG ?? (existsSync(DEFAULT_GATEWAY_CONFIG) ? DEFAULT_GATEWAY_CONFIG : undefined),
    gatewayConfigWatch: e.HOOKGATE_CONFIG_WATCH,
    shutdownTimeoutMs: e.HOOKGATE_SHUTDOWN_TIMEOUT,
    logLevel: e.HOOKGATE_LOG_LEVEL,
  } satisfies HookgateConfig);
}

