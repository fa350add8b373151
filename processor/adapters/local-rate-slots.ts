import type { RateSlots } from '../ports/rate-slots.js';

/** Past this many subscriptions in a book, times already passed are swept out. */
const FIRST_SWEEP_AT = 1_024;

/**
 * A map of the next free time per subscription that forgets times already passed once it grows:
 * a time in the past books nothing (the caller takes `max(now, time)`), so forgetting it changes
 * no answer. It sweeps again only once it has doubled, so many busy subscriptions do not cost an
 * O(n) sweep each time.
 */
function nextTimes(): { take(id: string, intervalMs: number, now: number): number } {
  const next = new Map<string, number>();
  let sweepAt = FIRST_SWEEP_AT;
  return {
    take(id, intervalMs, now) {
      const at = Math.max(now, next.get(id) ?? now);
      next.set(id, at + intervalMs);
      if (next.size > sweepAt) {
        for (const [key, time] of next) if (time <= now) next.delete(key);
        sweepAt = Math.max(FIRST_SWEEP_AT, next.size * 2);
      }
      return at;
    },
  };
}

/**
 * The book in this process's memory: each processor paces its own share, so with several
 * replicas a subscription may receive up to replicas × its rate. The default, and what the
 * shared (Redis) book falls back to while Redis is away.
 *
 * @example const slots = createLocalRateSlots(); const slot = await slots.reserve(id, 100, Date.now());
 */
export function createLocalRateSlots(): RateSlots {
  const slots = nextTimes();
  const starts = nextTimes();
  return {
    async reserve(subscriptionId, intervalMs, now) {
      return slots.take(subscriptionId, intervalMs, now);
    },
    async claimStart(subscriptionId, intervalMs, now) {
      return starts.take(subscriptionId, intervalMs, now);
    },
  };
}
