/**
 * The range of a subscription's `rateLimit.perSecond`. The pacer spaces attempts `1000 /
 * perSecond` ms apart, so a tiny rate is a delivery that waits for ever (1e-9 per second is one
 * attempt in ~31 years; 1e-300 overflows the time arithmetic into `Invalid time value`) and a huge
 * one is no limit at all.
 */
export const MIN_DELIVERIES_PER_SECOND = 0.01;
export const MAX_DELIVERIES_PER_SECOND = 10_000;

/**
 * A stored rate brought into the range the API accepts today, so a value saved before this
 * range existed (or written to the store by hand) still paces sanely: below the range, or not
 * a number at all, is the slowest rate; above it, the fastest.
 */
export function clampDeliveriesPerSecond(perSecond: number): number {
  if (!(perSecond >= MIN_DELIVERIES_PER_SECOND)) return MIN_DELIVERIES_PER_SECOND;
  return Math.min(perSecond, MAX_DELIVERIES_PER_SECOND);
}
