import { decodeTime } from 'ulid';
import { UnrecoverableError } from '../shared/errors/index.js';
import { derivedId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { MergeRule, Subscription } from '../shared/types.js';
import { valueAtPath } from '../shared/webhooks/envelope-path.js';
import { matchesAnyPattern } from '../shared/webhooks/event-pattern.js';
import { MESSAGE_SCHEMA_VERSION, type EventMessage } from '../queue/messages.js';
import type { MessageBroker, MessageHandler } from '../queue/ports/message-broker.js';
import type { MergeBuffer } from './ports/merge-buffer.js';
import { scheduleDelivery } from './schedule-delivery.js';
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

/** When a delivery is created: when its event was received, or for a replay when the replay began. */
function creationTime(message: EventMessage): number {
  return message.replayId !== undefined ? decodeTime(message.replayId.slice('rpl_'.length)) : Date.parse(message.receivedAt);
}

/**
 * Turns one event into deliveries for the enabled subscriptions of its app (or, on a replay,
 * the one subscription named) whose event-type patterns and payload filter match it. A
 * subscription with a merge rule holds the event in its merge window when the event has a
 * value at the merge key; otherwise each delivery is recorded as scheduled and queued for its
 * first attempt, all before the event message is acknowledged. Delivery ids are derived from
 * (event, subscription, replay), so an event handled again after a crash makes the same
 * deliveries again, not new ones: receivers see the same webhook-id and dedupe.
 */
export function createFanOut(options: FanOutOptions): MessageHandler<EventMessage> {
  const { broker, subscriptions, rules, mergeBuffer, logger } = options;

  async function targetsOf(message: EventMessage): Promise<Subscription[]> {
    if (message.onlySubscriptionId === undefined) return subscriptions.listEnabled(message.appId);
    const only = await subscriptions.get(message.onlySubscriptionId, message.appId);
    return only?.enabled ? [only] : [];
  }

  function wants(subscription: Subscription, message: EventMessage): boolean {
    if (!matchesAnyPattern(subscription.events, message.event.type)) return false;
    try {
      return rules.for(subscription).matches(message.event);
    } catch (error) {
      // A filter that cannot run must not hold up the event's other subscriptions.
      logger.error({ err: error, subscriptionId: subscription.id }, 'subscription filter failed; event not delivered to it');
      return false;
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

  async function deliver(message: EventMessage, subscription: Subscription, time: number): Promise<void> {
    const merge = subscription.merge;
    const mergeValue = merge ? valueAtPath(message.event, merge.key) : undefined;
    if (merge && mergeValue !== undefined && mergeValue !== null) return holdForMerge(message, subscription, merge, mergeValue);
    await scheduleDelivery(broker, {
      deliveryId: derivedId('delivery', time, message.event.id, subscription.id, message.replayId ?? ''),
      appId: message.appId,
      subscriptionId: subscription.id,
      envelope: message.event,
      createdAt: new Date(time).toISOString(),
      eventReceivedAt: message.receivedAt,
      ...(message.traceparent !== undefined ? { traceparent: message.traceparent } : {}),
    });
  }

  return async function fanOutEvent({ body: message }) {
    if (message.v !== MESSAGE_SCHEMA_VERSION) {
      throw new UnrecoverableError(`Event message has schema version ${String(message.v)}; this processor reads ${MESSAGE_SCHEMA_VERSION}.`);
    }
    const matching = (await targetsOf(message)).filter((subscription) => wants(subscription, message));
    const time = creationTime(message);
    await Promise.all(matching.map((subscription) => deliver(message, subscription, time)));
    logger.debug(
      { eventId: message.event.id, type: message.event.type, deliveries: matching.length, ...(message.traceparent ? { traceparent: message.traceparent } : {}) },
      'event fanned out',
    );
  };
}
