import { clampDeliveriesPerSecond } from '../shared/webhooks/rate-limit-range.js';
import { createLocalRateSlots } from './adapters/local-rate-slots.js';
import type { RateSlots } from './ports/rate-slots.js';

export interface PacerOptions {
  /** Attempts in flight at once to one subscription; more wait their turn. */
  maxInFlightPerSubscription: number;
  /** The rate-limit reservation book; default: this process's own (Redis shares it between replicas). */
  rateSlots?: RateSlots;
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
  /** Attempts waiting in this process for a place in the lane, first come first served. */
  waiting: (() => void)[];
  /** The latest start time handed to an attempt sent back to the queue because the lane was full. */
  busyHorizon: number;
  /** Smoothed attempt duration, to estimate when a full lane frees a place. */
  averageMs: number;
}

/** Reservations are honoured when they come back this early (timers and queues are not exact). */
const SLOT_TOLERANCE_MS = 25;
const INITIAL_AVERAGE_MS = 50;
const SMOOTHING = 0.2;
/** However slow a lane, an attempt sent back to the queue looks again within this long. */
const MAX_DEFERRAL_MS = 10_000;

/**
 * Paces attempts per subscription, so one endpoint neither receives more than its
 * `rateLimit.perSecond` nor, by being slow, takes every delivery slot of the processor (no
 * head-of-line blocking across subscriptions). A full lane keeps half as many attempts waiting
 * in this process as it has places (so one lane holds at most 1.5 times its places of the
 * processor's delivery slots); beyond that an attempt goes back to the queue with a start
 * time ahead, spaced by the lane's pace so that each waits about once rather than spinning.
 * Rate-limited attempts reserve their start slot in the `RateSlots` book: per process by
 * default (several replicas then each pace their own share), shared in Redis when configured.
 * Lanes are always per process.
 */
export class SubscriptionPacer {
  readonly #lanes = new Map<string, Lane>();
  readonly #options: PacerOptions;
  readonly #rateSlots: RateSlots;

  constructor(options: PacerOptions) {
    this.#options = options;
    this.#rateSlots = options.rateSlots ?? createLocalRateSlots();
  }

  /**
   * @param reservedSlot the rate slot this attempt reserved when it was deferred before, if any.
   */
  async admit(subscriptionId: string, perSecond: number | undefined, reservedSlot: number | undefined, now = Date.now()): Promise<Admitted | Deferred> {
    let lane = this.#lane(subscriptionId, now);
    const places = this.#options.maxInFlightPerSubscription;
    if (lane.inFlight >= places && lane.waiting.length >= Math.max(1, Math.floor(places / 2))) {
      lane.busyHorizon = Math.max(now, lane.busyHorizon) + lane.averageMs / places;
      return { go: false, delayMs: Math.min(lane.busyHorizon - now, MAX_DEFERRAL_MS) };
    }
    if (perSecond !== undefined) {
      // Clamped, whatever the store holds: a rate saved before the API bounded it (1e-300, say)
      // would otherwise put the next slot past the largest Date, and the attempt nowhere.
      const interval = 1000 / clampDeliveriesPerSecond(perSecond);
      const hasReservation = reservedSlot !== undefined && reservedSlot <= now + SLOT_TOLERANCE_MS;
      if (!hasReservation) {
        const slot = await this.#rateSlots.reserve(subscriptionId, interval, now);
        if (slot > now + SLOT_TOLERANCE_MS) return { go: false, delayMs: slot - now, rateSlot: slot };
      }
      // Queues and timers bunch attempts that come back late: space the actual starts too. The
      // clock is read again, so the time the reservation took does not make this start late.
      const wait = (await this.#rateSlots.claimStart(subscriptionId, interval, Date.now())) - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // An idle lane may have been dropped while this attempt waited: take the live one.
      lane = this.#lane(subscriptionId, Date.now());
    }
    if (lane.inFlight >= places) await new Promise<void>((resolve) => lane.waiting.push(resolve));
    else lane.inFlight += 1;
    return { go: true, done: (durationMs) => this.#done(subscriptionId, lane, durationMs) };
  }

  #done(subscriptionId: string, lane: Lane, durationMs: number): void {
    lane.averageMs += SMOOTHING * (durationMs - lane.averageMs);
    const next = lane.waiting.shift();
    // The place passes straight to the next waiter, so inFlight stays as it is.
    if (next !== undefined) return next();
    lane.inFlight -= 1;
    if (lane.inFlight === 0) this.#lanes.delete(subscriptionId);
  }

  #lane(subscriptionId: string, now: number): Lane {
    let lane = this.#lanes.get(subscriptionId);
    if (lane === undefined) {
      lane = { inFlight: 0, waiting: [], busyHorizon: now, averageMs: INITIAL_AVERAGE_MS };
      this.#lanes.set(subscriptionId, lane);
    }
    return lane;
  }
}
