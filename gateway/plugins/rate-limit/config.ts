import { z } from 'zod';
import { positiveInt } from '../config-fields.js';

export const rateLimitConfigSchema = z.strictObject({
  /** Requests allowed per window. */
  limit: positiveInt(),
  windowMs: positiveInt(7 * 24 * 3_600_000),
  /** Whose budget a request spends: the authenticated app, its credential, or the client address. */
  by: z.enum(['app', 'key', 'ip']).default('ip'),
  /** `redis` shares the count between gateway replicas (`HOOKGATE_REDIS_URL`). */
  store: z.enum(['local', 'redis']).default('local'),
  /** While the Redis store is unreachable: let requests through unlimited (true) or answer 503 (false). */
  failOpen: z.boolean().default(false),
  /**
   * The policy's name, shown in `RateLimit-Policy`; routes naming the same policy with the Redis
   * store share one budget. Defaults to the route's name (`global` for a global plugin).
   */
  policy: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'must be lower-case letters, digits, - and _' })
    .optional(),
});

export type RateLimitConfig = z.output<typeof rateLimitConfigSchema>;
