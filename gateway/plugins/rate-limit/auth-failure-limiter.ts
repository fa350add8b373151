import type { NextFunction, Request, Response } from 'express';
import { rateLimit, type AugmentedRequest } from 'express-rate-limit';
import { HookgateError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logger.js';
import type { HookgateMetrics } from '../../../shared/metrics.js';
import { UNMATCHED_ROUTE } from '../../middleware/http-metrics.js';
import { requestState } from '../../request-state.js';
import type { RedisCommands } from '../../../shared/redis/redis-commands.js';
import { clientAddressKey } from './client-address.js';
import { SharedRedisStore } from './redis-store.js';

/** The policy's name in `RateLimit` and `RateLimit-Policy`. */
const AUTH_FAILURE_POLICY = 'auth-failures';
/** Where the shared counters live in Redis: `hookgate:auth-failures:ip:<address>` (apart from `rate-limit` policies). */
export const AUTH_FAILURE_REDIS_PREFIX = 'hookgate:auth-failures:';

export interface AuthFailureLimiterOptions {
  /** Failed authentications allowed per client address and window (`HOOKGATE_AUTH_FAILURE_LIMIT`). */
  limit: number;
  windowMs: number;
  /** Count in Redis, so every gateway replica sees one count per address; in this process otherwise. */
  redis?: RedisCommands;
  logger: Logger;
  metrics: HookgateMetrics;
}

/** Checks a credential: resolves once the request's caller is set, throws a HookgateError otherwise. */
export type Verify = () => Promise<void>;

/**
 * One budget of failed authentications per client address, shared by every authenticating plugin
 * of the gateway (key-auth and jwt, on `/v1` and on the config file's routes) and kept across
 * config reloads. See `createAuthFailureLimiter`.
 */
export interface AuthFailureLimiter {
  /**
   * Runs `verify` for the request unless its address is over the budget, and calls `next` with the
   * outcome: nothing (authenticated), the 401 (counted), or a 429.
   */
  authenticate(req: Request, res: Response, next: NextFunction, verify: Verify): Promise<void>;
}

const isUnauthorized = (error: unknown) => error instanceof HookgateError && error.code === 'HG_ERR_UNAUTHORIZED';

/**
 * Limits failed authentications (401s) per client address with express-rate-limit and its store
 * (memory, or Redis when `redis` is given). The count is looked at before a credential is and
 * raised after a credential failed, so successful calls never spend the budget however many run at
 * once. An address over the budget gets 429 problem+json (`.../rate-limited`) with `Retry-After`
 * and the IETF `RateLimit`/`RateLimit-Policy` fields, before its credential is looked at, even a
 * valid one: it then costs no storage read and cannot learn whether a guess was right. Calls from
 * other addresses are not affected. Requests whose verification was already running when the
 * budget ran out still finish theirs (at most one storage read each).
 *
 * While Redis is unreachable the limiter lets requests through uncounted (fail open): refusing
 * every caller because a counter is away would hurt more than a guesser of 256-bit keys can.
 *
 * @example
 * const limiter = createAuthFailureLimiter({ limit: 30, windowMs: 60_000, logger, metrics });
 * return (req, res, next) => limiter.authenticate(req, res, next, async () => { requestState(res).caller = await identify(req); });
 */
export function createAuthFailureLimiter(options: AuthFailureLimiterOptions): AuthFailureLimiter {
  const { limit, windowMs, logger, metrics } = options;
  const counter = rateLimit({
    limit,
    windowMs,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: AUTH_FAILURE_POLICY,
    ...(options.redis !== undefined ? { store: new SharedRedisStore(options.redis, AUTH_FAILURE_REDIS_PREFIX) } : {}),
    passOnStoreError: true,
    keyGenerator: (req) => clientAddressKey(req),
    handler: function tooManyFailures(req, res, next) {
      metrics.rateLimited.inc({ route: requestState(res).route ?? UNMATCHED_ROUTE });
      // Logged once per address and window, when it crosses the limit, not on every refusal after.
      const info = (req as AugmentedRequest).rateLimit;
      if (info?.used === limit + 1) logger.warn({ client: info.key, limit, windowMs }, 'client address blocked after failed authentications');
      const seconds = Math.ceil(windowMs / 1000);
      next(new HookgateError('HG_ERR_RATE_LIMITED', `More than ${limit} failed authentications from this address in ${seconds} s; retry after Retry-After seconds.`));
    },
    logger: {
      error: (error, message) => logger.error({ err: error, policy: AUTH_FAILURE_POLICY }, message ?? 'auth-failure limiter error'),
      warn: (error, message) => logger.warn({ err: error, policy: AUTH_FAILURE_POLICY }, message ?? 'auth-failure limiter warning'),
    },
  });

  async function isBlocked(req: Request): Promise<boolean> {
    try {
      const seen = await counter.getKey(clientAddressKey(req));
      return seen !== undefined && seen.totalHits >= limit;
    } catch (error) {
      logger.error({ err: error, policy: AUTH_FAILURE_POLICY }, 'auth-failure store unreachable; authenticating without the limit');
      return false;
    }
  }

  /** `counted`: a 401 raises the address's count (and the request that crosses the limit gets the 429). */
  async function verifyThen(next: NextFunction, verify: Verify, countFailure: ((failure: unknown) => Promise<void>) | undefined) {
    try {
      await verify();
    } catch (error) {
      if (countFailure !== undefined && isUnauthorized(error)) await countFailure(error);
      else next(error);
      return;
    }
    next();
  }

  return {
    async authenticate(req, res, next, verify) {
      if (await isBlocked(req)) {
        // express-rate-limit counts this attempt too and answers 429 with its headers. Should the
        // window have ended meanwhile, it lets the request on: verify it then, uncounted, rather
        // than pass it unauthenticated.
        await counter(req, res, (error?: unknown) => {
          if (error !== undefined) next(error);
          else void verifyThen(next, verify, undefined);
        });
        return;
      }
      await verifyThen(next, verify, async (failure) => {
        await counter(req, res, (error?: unknown) => next(error ?? failure));
      });
    },
  };
}

/** Counts nothing: for plugins built outside a gateway app (tests, `check-config`), which has no limiter to share. */
export const UNLIMITED_AUTH_FAILURES: AuthFailureLimiter = {
  async authenticate(_req, _res, next, verify) {
    try {
      await verify();
    } catch (error) {
      next(error);
      return;
    }
    next();
  },
};
