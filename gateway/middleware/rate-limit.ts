import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { HookgateError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logger.js';
import type { HookgateMetrics } from '../../shared/metrics.js';
import { requestState } from '../request-state.js';
import { UNMATCHED_ROUTE } from './http-metrics.js';

export interface ApiRateLimitOptions {
  /** Requests allowed per credential per window (`HOOKGATE_API_RATE_LIMIT`). */
  limit: number;
  windowMs: number;
  metrics: HookgateMetrics;
  logger: Logger;
}

/**
 * The default rate limit of the `/v1` API: one budget per app (all its keys together) and one
 * for the operator. Runs after authentication, which names the credential. Answers 429
 * problem+json with `Retry-After` and the IETF draft-8 `RateLimit` / `RateLimit-Policy` headers.
 */
export function apiRateLimit(options: ApiRateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'api',
    keyGenerator: function rateLimitKey(_req, res) {
      const caller = requestState(res).caller;
      return caller?.kind === 'app' ? `app:${caller.appId}` : 'operator';
    },
    handler: function rateLimited(_req, res, next) {
      options.metrics.rateLimited.inc({ route: requestState(res).route ?? UNMATCHED_ROUTE });
      next(
        new HookgateError(
          'HG_ERR_RATE_LIMITED',
          `More than ${options.limit} requests in ${Math.round(options.windowMs / 1000)} s; retry after the Retry-After header's seconds.`,
        ),
      );
    },
    logger: {
      error: (error, message) => options.logger.error({ err: error }, message ?? 'rate limiter error'),
      warn: (error, message) => options.logger.warn({ err: error }, message ?? 'rate limiter warning'),
    },
  });
}
