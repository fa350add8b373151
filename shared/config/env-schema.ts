import { z } from 'zod';
import { parseDuration } from './duration.js';
import { trustProxy } from './trust-proxy.js';

const duration = z.string().transform((text, ctx) => {
  const value = parseDuration(text);
  if (value === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (use e.g. 500ms, 5s, 5m, 2h)` });
    return z.NEVER;
  }
  return value;
});

const durationList = z.string().transform((text, ctx) => {
  const parts = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  const values = parts.map(parseDuration);
  const bad = parts.find((_, index) => values[index] === null);
  if (bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `"${bad}" is not a duration (use a comma-separated list like 5s,5m,30m)` });
    return z.NEVER;
  }
  return values as number[];
});

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const url = (protocols: string[]) =>
  z.string().refine((text) => {
    try {
      return protocols.includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, `must be a URL with scheme ${protocols.join(' or ')}`);

/**
 * Every `HOOKGATE_*` variable, its default and its check. README's configuration table lists
 * the same; unknown `HOOKGATE_*` variables are rejected so a typo does not pass silently.
 */
export const envSchema = z
  .object({
    HOOKGATE_PORT: port.default(8080),
    HOOKGATE_HOST: z.string().min(1).default('0.0.0.0'),
    HOOKGATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    HOOKGATE_DATA_DIR: z.string().min(1).default('./data'),
    HOOKGATE_AMQP_URL: url(['amqp:', 'amqps:']).optional(),
    HOOKGATE_AMQP_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ -').default('hookgate'),
    HOOKGATE_MONGODB_URL: url(['mongodb:', 'mongodb+srv:']).optional(),
    HOOKGATE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    HOOKGATE_ALLOW_PRIVATE_URLS: bool.default(false),
    HOOKGATE_RETRY_SCHEDULE: durationList.prefault(['5s', '5m', '30m', '2h', '5h', '10h', '10h'].join(',')),
    HOOKGATE_RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.2),
    HOOKGATE_DELIVERY_TIMEOUT: duration.prefault('15s'),
    HOOKGATE_CONNECT_TIMEOUT: duration.prefault('5s'),
    HOOKGATE_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
    HOOKGATE_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(128),
    HOOKGATE_DISABLE_AFTER_DEAD: z.coerce.number().int().min(1).default(50),
    HOOKGATE_DISABLE_AFTER_FAILING: duration.prefault('5d'),
    HOOKGATE_MERGE_MAX_EVENTS: z.coerce.number().int().min(2).max(10_000).default(100),
    HOOKGATE_SUBSCRIPTION_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(16),
    HOOKGATE_TRANSFORM_TIMEOUT: duration.prefault('100ms').refine((ms) => ms >= 10 && ms <= 10_000, 'must be between 10ms and 10s'),
    HOOKGATE_TRANSFORM_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
    HOOKGATE_TRANSFORM_MEMORY_MB: z.coerce.number().int().min(32).max(4096).default(64),
    HOOKGATE_ENCRYPTION_KEY: z
      .string()
      .refine((text) => Buffer.from(text, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
      .optional(),
    HOOKGATE_SECRET_ROTATION_GRACE: duration.prefault('24h'),
    HOOKGATE_IDEMPOTENCY_WINDOW: duration.prefault('24h'),
    HOOKGATE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
    HOOKGATE_API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
    HOOKGATE_API_RATE_WINDOW: duration.prefault('1m'),
    HOOKGATE_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(30),
    HOOKGATE_AUTH_FAILURE_WINDOW: duration.prefault('1m'),
    HOOKGATE_TRUST_PROXY: trustProxy.prefault('false'),
    HOOKGATE_STORAGE_PORT: port.default(8081),
    HOOKGATE_PROCESSOR_PORT: port.default(8082),
    HOOKGATE_STORAGE_URL: url(['http:', 'https:']).default('http://127.0.0.1:8081'),
    HOOKGATE_REDIS_URL: url(['redis:', 'rediss:']).optional(),
    HOOKGATE_CONFIG: z.string().min(1).optional(),
    HOOKGATE_CONFIG_WATCH: bool.default(false),
    HOOKGATE_SHUTDOWN_TIMEOUT: duration.prefault('20s'),
    HOOKGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type EnvInput = z.input<typeof envSchema>;
