export interface PacerOptions {
  /** Attempts in flight at once to one subscription; more wait their turn in the queue. */
  maxInFlightPerSubscription: number;
}

/** May go now; call `done` with the attempt's duration once it has finished. */
export interface Admitted {
  go: true;
  done(durationMs: number): void;
}

/** Must wait: queue it again for `delayMs`; with `rateSlot`, it has reserved that start under the rate limit. */
export interface Deferred {
  go: false;
  delayMs: number;
  rateSlot?: number;
}

interface Lane {
  inFlight: number;
  /** The next free start time under the subscription's rate limit. */
  nextRateSlot: number;
  /** The latest start time handed to an attempt deferred because the lane was full. */
  busyHorizon: number;
  /** Smoothed attempt duration, to estimate when a full lane frees a place. */
  averageMs: number;
}

/** Reservations are honoured when they come back this early (timers and queues are not exact). */
const SLOT_TOLERANCE_MS = 25;
const INITIAL_AVERAGE_MS = 200;
const SMOOTHING = 0.2;

/**
 * Paces attempts per subscription, so one endpoint neither receives more than its
 * `rateLimit.perSecond` nor, by being slow, takes every delivery slot of the processor (no
 * head-of-line blocking across subscriptions). An attempt that may not go now is given a
 * start time ahead (a reservation) and goes back to the queue until then; spacing the
 * reservations means each waits once rather than spinning. State is per process: with several
 * processor replicas each paces its own share.
 */
export class SubscriptionPacer {
  readonly #lanes = new Map<string, Lane>();
  readonly #options: PacerOptions;

  constructor(options: PacerOptions) {
    this.#options = options;
  }

  /**
   * @param reservedSlot the rate slot this attempt reserved when it was deferred before, if any.
   */
  admit(subscriptionId: string, perSecond: number | undefined, reservedSlot: number | undefined, now = Date.now()): Admitted | Deferred {
    const lane = this.#lane(subscriptionId, now);
    if (lane.inFlight >= this.#options.maxInFlightPerSubscription) {
      // A full lane frees a place about every average duration / places.
      lane.busyHorizon = Math.max(now, lane.busyHorizon) + lane.averageMs / this.#options.maxInFlightPerSubscription;
      return { go: false, delayMs: lane.busyHorizon - now };
    }
    const hasReservation = reservedSlot !== undefined && reservedSlot <= now + SLOT_TOLERANCE_MS;
    if (perSecond !== undefined && !hasReservation) {
      const interval = 1000 / perSecond;
      const slot = Math.max(now, lane.nextRateSlot);
      lane.nextRateSlot = slot + interval;
      if (slot > now + SLOT_TOLERANCE_MS) return { go: false, delayMs: slot - now, rateSlot: slot };
    }
    lane.inFlight += 1;
    return {
      go: true,
      done: (durationMs) => {
        lane.inFlight -= 1;
        lane.averageMs += SMOOTHING * (durationMs - lane.averageMs);
        if (lane.inFlight === 0 && lane.nextRateSlot <= Date.now() && lane.busyHorizon <= Date.now()) this.#lanes.delete(subscriptionId);
      },
    };
  }

  #lane(subscriptionId: string, now: number): Lane {
    let lane = this.#lanes.get(subscriptionId);
    if (lane === undefined) {
      lane = { inFlight: 0, nextRateSlot: now, busyHorizon: now, averageMs: INITIAL_AVERAGE_MS };
      this.#lanes.set(subscriptionId, lane);
    }
    return lane;
  }
}
