/**
 * The book behind `rateLimit.perSecond`: who may start when. Lane concurrency stays in each
 * process; only this book may be shared between processor replicas, so that the rate holds for
 * all of them together.
 */
export interface RateSlots {
  /**
   * Reserves the next start slot of `subscriptionId` at `intervalMs` between starts, and moves
   * the slot one interval on, so however many attempts (or processors) ask at once, each gets
   * its own slot. An attempt whose slot lies ahead goes back to the queue until then.
   *
   * @param now this process's clock (ms since the epoch).
   * @returns when the attempt may start, on this process's clock: `now` or later.
   * @example const slot = await slots.reserve(subscription.id, 1000 / perSecond, Date.now());
   */
  reserve(subscriptionId: string, intervalMs: number, now: number): Promise<number>;
  /**
   * Claims the actual start of an attempt whose slot has come: no sooner than `intervalMs`
   * after the previous start claimed for `subscriptionId`. Queues and timers bring reserved
   * attempts back late and bunched; this spaces what the receiver sees.
   *
   * @returns when to start, on this process's clock: `now` or (at most one interval per waiting attempt) later.
   */
  claimStart(subscriptionId: string, intervalMs: number, now: number): Promise<number>;
}
