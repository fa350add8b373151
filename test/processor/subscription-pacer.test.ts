import { describe, expect, it } from 'vitest';
import { SubscriptionPacer } from '../../processor/subscription-pacer.js';
import { MIN_DELIVERIES_PER_SECOND } from '../../shared/webhooks/rate-limit-range.js';

const SLOWEST_INTERVAL_MS = 1000 / MIN_DELIVERIES_PER_SECOND;

/** The second of two attempts at once: deferred by the rate limit. */
async function secondAttempt(perSecond: number) {
  const pacer = new SubscriptionPacer({ maxInFlightPerSubscription: 10 });
  const now = Date.now();
  const first = await pacer.admit('sub_1', perSecond, undefined, now);
  expect(first.go).toBe(true);
  if (first.go) first.done(10);
  return { now, second: await pacer.admit('sub_1', perSecond, undefined, now) };
}

describe('SubscriptionPacer with a stored rate outside the range the API accepts', () => {
  // Issue 11: 1e-300 was accepted and each deferred attempt then hit `RangeError: Invalid time
  // value` (its slot past the largest Date), so deliveries stayed pending for ever.
  it.each([1e-300, 1e-9, 0, -5, Number.NaN])('paces %s per second as the slowest rate, with a slot that is a valid time', async (perSecond) => {
    const { now, second } = await secondAttempt(perSecond);
    expect(second.go).toBe(false);
    if (second.go) return;
    expect(second.delayMs).toBeGreaterThan(0);
    expect(second.delayMs).toBeLessThanOrEqual(SLOWEST_INTERVAL_MS);
    expect(second.rateSlot).toBe(now + SLOWEST_INTERVAL_MS);
    expect(new Date(second.rateSlot!).toISOString()).toEqual(expect.any(String));
  });

  it('keeps a rate inside the range as it is', async () => {
    const { now, second } = await secondAttempt(0.5);
    expect(second).toMatchObject({ go: false, rateSlot: now + 2000, delayMs: 2000 });
  });
});
