import { decodeTime } from 'ulid';
import { UnavailableError, UnrecoverableError } from '../shared/errors/index.js';
import { derivedId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { MergeRule, Subscription } from '../shared/types.js';
import { matchesAnyPattern } from '../shared/webhooks/event-pattern.js';
import { MESSAGE_SCHEMA_VERSION, type EventMessage } from '../queue/messages.js';
import type { MessageBroker, MessageHandler } from '../queue/ports/message-broker.js';
import type { MergeBuffer } from './ports/merge-buffer.js';
import { recordUndeliverable, scheduleDelivery, type NewDelivery } from './schedule-delivery.js';
import type { SubscriptionReader } from './subscription-cache.js';
import type { SubscriptionRules } from './subscription-rules.js';

export interface FanOutOptions {
  broker: MessageBroker;
  subscriptions: Pick<SubscriptionReader, 'get' | 'listEnabled'>;
  rules: SubscriptionRules;
  mergeBuffer: MergeBuffer;
  /** A merge window holding this many events is delivered at once (`HOOKGATE_MERGE_MAX_EVENTS`). */
  maxMergedEvents: number;
  logger: Logger;
}

/**
 * How long a subscription whose fan-out failed transiently waits before it is tried again
 * alone: the broker's own first redelivery back-off.
 */
const REDO_DELAY_MS = 1_000;

/**
 * What became of the event for one subscription: `done` (scheduled, held for a merge, or
 * recorded dead) or `retry` (a dependency was unavailable: nothing may have happened yet).
 */
type Outcome = { done: true } | { done: false; error: unknown };

/**
 * A failure that a later try may not meet: the broker or a database could not take the work
 * (adapters translate their drivers' failures into `UnavailableError`). Anything else comes
 * from this subscription and this event (a merge key that cannot be read, data a store refuses,
 * a bug) and would fail the same way every time.
 */
function isTransient(error: unknown): boolean {
  return error instanceof UnavailableError;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** When a delivery is created: when its event was received, or for a replay when the replay began. */
function creationTime(message: EventMessage): number {
  return message.replayId !== undefined ? decodeTime(message.replayId.slice('rpl_'.length)) : Date.parse(message.receivedAt);
}

/**
 * Turns one event into deliveries for the enabled subscriptions of its app (or, on a replay or
 * a redo, the one subscription named) whose event-type patterns and payload filter match it. A
 * subscription with a merge rule holds the event in its merge window when the event has a
 * value at the merge key; otherwise each delivery is recorded as scheduled and queued for its
 * first attempt, all before the event message is acknowledged. Delivery ids are derived from
 * (event, subscription, replay), so an event handled again after a crash makes the same
 * deliveries again, not new ones: receivers see the same webhook-id and dedupe.
 *
 * Each subscription's share of the work is confined, because redelivering the whole event
 * queues every other subscription's webhook again (same webhook-id, but sent again: issue 11
 * saw each webhook 10 times when one subscription's merge key broke the merge buffer):
 * - a deterministic failure (anything but `UnavailableError`: a filter or merge key that
 *   cannot run, data the merge buffer refuses) ends that subscription's delivery `dead` with
 *   the reason recorded, through the results queue, and the event is acknowledged: retrying
 *   would fail the same way;
 * - a transient failure (broker or merge buffer unavailable) is redone for that subscription
 *   alone: a copy of the event message naming only it (`onlySubscriptionId`) is queued after
 *   `REDO_DELAY_MS`, and the event is acknowledged. The redo is an ordinary message for one
 *   subscription, so its own failures are redelivered and dead-lettered by the broker as usual;
 * - only when no subscription could be served at all, or the redo itself cannot be queued
 *   (the broker is down), is the event rejected and redelivered whole. The first case sends
 *   nothing twice; the second may send the subscriptions already served again, with the same
 *   webhook-ids, which at-least-once delivery allows and receivers dedupe.
 */
export function createFanOut(options: FanOutOptions): MessageHandler<EventMessage> {
  const { broker, subscriptions, rules, mergeBuffer, logger } = options;

  async function targetsOf(message: EventMessage): Promise<Subscription[]> {
    if (message.onlySubscriptionId === undefined) return subscriptions.listEnabled(message.appId);
    const only = await subscriptions.get(message.onlySubscriptionId, message.appId);
    return only?.enabled ? [only] : [];
  }

  /**
   * Whether the subscription's payload filter wants the event. A filter that cannot run (one
   * saved before a rule that now refuses it, an error on this event, a `$regex` filter past the
   * transform deadline or crashing its worker) throws: a deterministic failure of this
   * subscription alone, recorded as its dead delivery. The pool being unavailable is transient.
   */
  async function filterWants(subscription: Subscription, message: EventMessage): Promise<boolean> {
    try {
      // Bound: a filter nests at most 16 levels and its paths read own fields only; one with a $regex
      // (RE2: linear, but field length x up to 300 instructions) runs in the transform pool under its deadline.
      return await rules.for(subscription).matches(message.event);
    } catch (error) {
      if (isTransient(error)) throw error;
      throw new UnrecoverableError(`The subscription's filter cannot run on this event: ${reasonOf(error)}`, { cause: error });
    }
  }

  async function holdForMerge(message: EventMessage, subscription: Subscription, merge: MergeRule, mergeValue: unknown): Promise<void> {
    const now = Date.now();
    const held = await mergeBuffer.hold(
      {
        holdId: `${message.event.id}/${message.replayId ?? ''}`,
        subscriptionId: subscription.id,
        appId: message.appId,
        mergeValue: JSON.stringify(mergeValue),
        windowMs: merge.windowMs,
        event: { envelope: message.event, receivedAt: message.receivedAt, ...(message.traceparent ? { traceparent: message.traceparent } : {}) },
      },
      now,
    );
    const full = held.count >= options.maxMergedEvents;
    // A repeated hold may be a crash's retry whose flush was never queued: queue one (a second flush is harmless).
    if (full || held.opened || held.repeated) {
      await broker.publish(
        'merges',
        { v: 1, windowId: held.windowId, subscriptionId: subscription.id, appId: message.appId },
        { delayMs: full ? 0 : Math.max(0, held.closesAt - now) },
      );
    }
  }

  /** The event's (unmerged) delivery to the subscription; its id is the same however often it is made. */
  function deliveryOf(message: EventMessage, subscription: Subscription, time: number): NewDelivery {
    return {
      deliveryId: derivedId('delivery', time, message.event.id, subscription.id, message.replayId ?? ''),
      appId: message.appId,
      subscriptionId: subscription.id,
      envelope: message.event,
      createdAt: new Date(time).toISOString(),
      eventReceivedAt: message.receivedAt,
      ...(message.traceparent !== undefined ? { traceparent: message.traceparent } : {}),
    };
  }

  async function deliver(message: EventMessage, subscription: Subscription, time: number): Promise<void> {
    const merge = subscription.merge;
    // A tenant's path, read through own fields only, one read per segment (255 characters at most);
    // a stored key naming a built-in throws an UnrecoverableError, ending this delivery dead.
    const mergeValue = merge ? rules.for(subscription).mergeValue?.(message.event) : undefined;
    if (merge && mergeValue !== undefined && mergeValue !== null) return holdForMerge(message, subscription, merge, mergeValue);
    await scheduleDelivery(broker, deliveryOf(message, subscription, time));
  }

  /** Filters the event for the subscription and delivers it, with a failure confined to this subscription (see above). */
  async function deliverConfined(message: EventMessage, subscription: Subscription, time: number): Promise<Outcome> {
    try {
      if (await filterWants(subscription, message)) await deliver(message, subscription, time);
      return { done: true };
    } catch (error) {
      if (isTransient(error)) return { done: false, error };
      const log = logger.child({ eventId: message.event.id, subscriptionId: subscription.id, ...(message.traceparent ? { traceparent: message.traceparent } : {}) });
      log.warn({ err: error }, 'this event cannot be delivered to this subscription; its delivery ends dead');
      try {
        await recordUndeliverable(broker, deliveryOf(message, subscription, time), `Not delivered: ${reasonOf(error)}`);
        return { done: true };
      } catch (recordError) {
        return { done: false, error: recordError };
      }
    }
  }

  /** Queues the event again for each subscription that failed transiently, alone and a little later. */
  async function redo(message: EventMessage, subscriptions: readonly Subscription[]): Promise<void> {
    for (const subscription of subscriptions) {
      await broker.publish('events', { ...message, onlySubscriptionId: subscription.id }, { routingKey: message.event.type, delayMs: REDO_DELAY_MS });
    }
    logger.info(
      { eventId: message.event.id, subscriptionIds: subscriptions.map((subscription) => subscription.id) },
      'fan-out failed for some subscriptions for now; the event is queued again for them alone',
    );
  }

  return async function fanOutEvent({ body: message }) {
    if (message.v !== MESSAGE_SCHEMA_VERSION) {
      throw new UnrecoverableError(`Event message has schema version ${String(message.v)}; this processor reads ${MESSAGE_SCHEMA_VERSION}.`);
    }
    // Tenants' patterns, compiled once into matchers that never backtrack (at most 128 x 128 word comparisons).
    const matching = (await targetsOf(message)).filter((subscription) => matchesAnyPattern(subscription.events, message.event.type));
    const time = creationTime(message);
    const outcomes = await Promise.all(matching.map((subscription) => deliverConfined(message, subscription, time)));
    const failed = matching.filter((_, index) => !outcomes[index]!.done);
    if (failed.length > 0) {
      const first = outcomes.find((outcome): outcome is Extract<Outcome, { done: false }> => !outcome.done)!;
      // Nobody was served, so redelivering the whole event sends nothing twice (and keeps the broker's retry count).
      if (failed.length === matching.length) throw first.error;
      try {
        await redo(message, failed);
      } catch {
        throw first.error;
      }
    }
    logger.debug(
      { eventId: message.event.id, type: message.event.type, subscriptions: matching.length, ...(message.traceparent ? { traceparent: message.traceparent } : {}) },
      'event fanned out',
    );
  };
}
