import type { Request, Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { HookgateError, UnauthorizedError } from '../../../shared/errors/index.js';
import { UNMATCHED_ROUTE } from '../../middleware/http-metrics.js';
import { requestState } from '../../request-state.js';
import { definePlugin, type PluginContext } from '../plugin.js';
import { clientAddressKey } from './client-address.js';
import { rateLimitConfigSchema, type RateLimitConfig } from './config.js';
import { SharedRedisStore } from './redis-store.js';

/** Where every policy's counters live in Redis: `hookgate:rate-limit:<policy>:<app|key|ip>:<id>`. */
export const REDIS_KEY_PREFIX = 'hookgate:rate-limit:';

function budgetKey(by: RateLimitConfig['by'], req: Request, res: Response): string {
  if (by === 'ip') return clientAddressKey(req);
  const caller = requestState(res).caller;
  // The config check puts an authenticating plugin first; a caller missing here is a request it let through unnamed.
  if (caller === undefined) throw new UnauthorizedError('This route counts requests per app; authenticate first.');
  // The operator (on the `/v1` API) has one budget of its own.
  if (caller.kind === 'operator') return 'operator';
  return by === 'app' ? `app:${caller.appId}` : `key:${caller.keyId}`;
}

function storeFor(config: RateLimitConfig, policy: string, context: PluginContext): Store | undefined {
  if (config.store === 'local') return undefined; // express-rate-limit's own memory store
  if (context.redis === undefined) throw new Error('store "redis" needs a Redis connection (set HOOKGATE_REDIS_URL)');
  return new SharedRedisStore(context.redis, `${REDIS_KEY_PREFIX}${policy}:`);
}

/**
 * Limits requests per app, per credential or per client address with express-rate-limit, in
 * this process (`store: local`) or shared by every replica through Redis (`store: redis`). Over
 * the limit: 429 problem+json (`.../rate-limited`) with `Retry-After` and the IETF draft-8
 * `RateLimit` and `RateLimit-Policy` fields named after the policy. While Redis is unreachable
 * the route fails closed (503) unless its config says `failOpen: true`.
 *
 * @example plugins: [{ name: rate-limit, config: { limit: 100, windowMs: 60000, by: app, store: redis } }]
 */
export const rateLimitPlugin = definePlugin({
  name: 'rate-limit',
  configSchema: rateLimitConfigSchema,
  requires: (config) => (config.by === 'ip' ? [] : [{ capability: 'caller', field: 'by' }]),
  create(config, context) {
    const policy = config.policy ?? context.route ?? 'global';
    const store = storeFor(config, policy, context);
    const limiter = rateLimit({
      limit: config.limit,
      windowMs: config.windowMs,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      identifier: policy,
      ...(store ? { store } : {}),
      passOnStoreError: config.failOpen,
      keyGenerator: (req, res) => budgetKey(config.by, req, res),
      handler: function rateLimited(_req, res, next) {
        context.metrics.rateLimited.inc({ route: requestState(res).route ?? UNMATCHED_ROUTE });
        const seconds = Math.ceil(config.windowMs / 1000);
        next(new HookgateError('HG_ERR_RATE_LIMITED', `More than ${config.limit} requests in ${seconds} s (policy "${policy}"); retry after Retry-After seconds.`));
      },
      logger: {
        error: (error, message) => context.logger.error({ err: error, policy }, message ?? 'rate limiter error'),
        warn: (error, message) => context.logger.warn({ err: error, policy }, message ?? 'rate limiter warning'),
      },
    });
    // express-rate-limit's middleware is anonymous; a name shows in stack traces.
    return function limitRate(req, res, next) {
      return limiter(req, res, next);
    };
  },
});
