import type { Logger } from '../../shared/logger.js';
import type { RedisCommands } from '../../shared/redis/redis-commands.js';
import type { RateSlots } from '../ports/rate-slots.js';

/**
 * GCRA-style reservation, atomic in Redis: `slot = max(now, next)`, `next = slot + interval`
 * (the same for reserved slots and for claimed starts, each under its own key).
 * Redis's own clock (TIME) is "now", so replicas whose clocks disagree still space starts by the
 * interval; the answer is a delay, which each processor adds to its own clock. Microseconds,
 * whole numbers: they stay exact in Lua's doubles (< 2^53) and in Redis's integer replies. The
 * key expires a second after its last slot has passed, so idle subscriptions leave nothing.
 */
const RESERVE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local nextSlot = slot + interval
redis.call('SET', KEYS[1], string.format('%.0f', nextSlot), 'PX', math.ceil((nextSlot - now) / 1000) + 1000)
return slot - now
`;

export interface RedisRateSlotsOptions {
  redis: RedisCommands;
  /** Namespaces the keys (`<prefix>:pace:<subscriptionId>:slot` and `:start`): replicas that share queues share it. */
  keyPrefix: string;
  /** Where reservations go while Redis fails, so deliveries are paced per process rather than stalled. */
  fallback: RateSlots;
  logger: Logger;
  /** Longest wait for Redis's answer before pacing locally instead (default 500 ms). */
  timeoutMs?: number;
}

/** Rejects if `reply` takes longer than `ms`: a Redis that accepts but does not answer must not hold attempts. */
function within<T>(reply: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([reply, late]).finally(() => clearTimeout(timer));
}

/**
 * The reservation book in Redis, shared by every processor replica, so `rateLimit.perSecond`
 * holds for the whole installation rather than per replica. While Redis is unreachable each
 * reservation goes to `fallback` (this process's own book) and a warning is logged once per
 * outage: a delivery is never held up waiting for Redis.
 *
 * @example
 * const slots = createRedisRateSlots({ redis: connection.commands, keyPrefix: config.amqpPrefix, fallback: createLocalRateSlots(), logger });
 */
export function createRedisRateSlots(options: RedisRateSlotsOptions): RateSlots {
  const { redis, keyPrefix, fallback, logger } = options;
  const timeoutMs = options.timeoutMs ?? 500;
  let failing = false;
  const take = async (key: string, intervalMs: number, now: number, local: () => Promise<number>): Promise<number> => {
    try {
      const intervalUs = Math.max(1, Math.round(intervalMs * 1000));
      const delayUs = Number(await within(redis.sendCommand('EVAL', RESERVE_SCRIPT, '1', key, String(intervalUs)), timeoutMs));
      if (!Number.isFinite(delayUs)) throw new Error(`unexpected reply to the pacing script: ${delayUs}`);
      if (failing) logger.info('shared rate-limit pacing (redis) restored');
      failing = false;
      // From when the answer came, not from `now`: the round trip must not make the start early.
      return Math.max(now, Date.now()) + delayUs / 1000;
    } catch (error) {
      if (!failing) logger.warn({ err: error }, 'shared rate-limit pacing (redis) failed: pacing in this process until it is back');
      failing = true;
      return local();
    }
  };
  return {
    reserve: (subscriptionId, intervalMs, now) =>
      take(`${keyPrefix}:pace:${subscriptionId}:slot`, intervalMs, now, () => fallback.reserve(subscriptionId, intervalMs, now)),
    claimStart: (subscriptionId, intervalMs, now) =>
      take(`${keyPrefix}:pace:${subscriptionId}:start`, intervalMs, now, () => fallback.claimStart(subscriptionId, intervalMs, now)),
  };
}
