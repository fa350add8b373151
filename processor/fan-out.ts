import { decodeTime } from 'ulid';
import { UnrecoverableError } from '../shared/errors/index.js';
import { derivedId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { Subscription } from '../shared/types.js';
import { matchesAnyPattern } from '../shared/webhooks/event-pattern.js';
import { MESSAGE_SCHEMA_VERSION, type EventMessage } from '../queue/messages.js';
import type { MessageBroker, MessageHandler } from '../queue/ports/message-broker.js';
import type { SubscriptionReader } from './subscription-cache.js';
import type { SubscriptionRules } from './subscription-rules.js';

export interface FanOutOptions {
  broker: MessageBroker;
  subscriptions: Pick<SubscriptionReader, 'get' | 'listEnabled'>;
  rules: SubscriptionRules;
  logger: Logger;
}

/** When a delivery is created: when its event was received, or for a replay when the replay began. */
function creationTime(message: EventMessage): number {
  return message.replayId !== undefined ? decodeTime(message.replayId.slice('rpl_'.length)) : Date.parse(message.receivedAt);
}

/**
 * Turns one event into one delivery per enabled subscription of its app (or, on a replay, the
 * one subscription named) whose event-type patterns and payload filter match it: each is recorded as scheduled and queued for its
 * first attempt before the event message is acknowledged. Delivery ids are derived from
 * (event, subscription, replay), so an event handled again after a crash makes the same
 * deliveries again, not new ones: receivers see the same webhook-id and dedupe.
 */
export function createFanOut(options: FanOutOptions): MessageHandler<EventMessage> {
  const { broker, subscriptions, rules, logger } = options;

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

  async function targetsOf(message: EventMessage): Promise<Subscription[]> {
    if (message.onlySubscriptionId === undefined) return subscriptions.listEnabled(message.appId);
    const only = await subscriptions.get(message.onlySubscriptionId, message.appId);
    return only?.enabled ? [only] : [];
  }

  return async function fanOutEvent({ body: message }) {
    if (message.v !== MESSAGE_SCHEMA_VERSION) {
      throw new UnrecoverableError(`Event message has schema version ${String(message.v)}; this processor reads ${MESSAGE_SCHEMA_VERSION}.`);
    }
    const { event } = message;
    const matching = (await targetsOf(message)).filter((subscription) => wants(subscription, message));
    const time = creationTime(message);
    const createdAt = new Date(time).toISOString();
    await Promise.all(
      matching.map(async (subscription) => {
        const deliveryId = derivedId('delivery', time, event.id, subscription.id, message.replayId ?? '');
        const delivery = { id: deliveryId, appId: message.appId, eventId: event.id, subscriptionId: subscription.id, createdAt };
        await broker.publish('results', { v: 1, kind: 'delivery.scheduled', delivery });
        await broker.publish('deliveries', {
          v: 1,
          deliveryId,
          appId: message.appId,
          subscriptionId: subscription.id,
          envelope: event,
          attempt: 1,
          createdAt,
          eventReceivedAt: message.receivedAt,
          ...(message.traceparent !== undefined ? { traceparent: message.traceparent } : {}),
        });
      }),
    );
    logger.debug({ eventId: event.id, type: event.type, deliveries: matching.length }, 'event fanned out');
  };
}
