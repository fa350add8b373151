import { derivedId } from '../shared/ids.js';
import type { EventEnvelope } from '../shared/types.js';
import type { MessageBroker } from '../queue/ports/message-broker.js';

export interface NewDelivery {
  deliveryId: string;
  appId: string;
  subscriptionId: string;
  /** What is sent (before any transform); its id is the delivery's event. */
  envelope: EventEnvelope;
  createdAt: string;
  /** When the (latest) event was accepted, for publish-to-delivery latency. */
  eventReceivedAt: string;
  traceparent?: string;
}

/** The merged events a delivery's ref names, when its envelope is a merged one. */
export function mergedOf(envelope: EventEnvelope): { mergedEventIds?: string[] } {
  return envelope.merged ? { mergedEventIds: envelope.merged.eventIds } : {};
}

/**
 * Records a new delivery as scheduled and queues its first attempt, in that order, so the
 * delivery is listed as pending before any attempt result can arrive for it.
 */
export async function scheduleDelivery(broker: MessageBroker, delivery: NewDelivery): Promise<void> {
  const { deliveryId, appId, subscriptionId, envelope, createdAt } = delivery;
  await broker.publish('results', {
    v: 1,
    kind: 'delivery.scheduled',
    delivery: { id: deliveryId, appId, eventId: envelope.id, subscriptionId, createdAt, ...mergedOf(envelope) },
    ...(delivery.traceparent !== undefined ? { traceparent: delivery.traceparent } : {}),
  });
  await broker.publish('deliveries', {
    v: 1,
    deliveryId,
    appId,
    subscriptionId,
    envelope,
    attempt: 1,
    createdAt,
    eventReceivedAt: delivery.eventReceivedAt,
    ...(delivery.traceparent !== undefined ? { traceparent: delivery.traceparent } : {}),
  });
}

/**
 * Records a delivery that cannot be made (its subscription cannot process this event: a merge
 * key that can never be read, a merge window that refuses the event) as `dead`, with `reason`
 * as its one attempt (no status code, nothing sent), and queues nothing. The attempt's id is
 * derived from the delivery's, so recording it again when the event comes again stores
 * nothing new. `POST /v1/deliveries/{id}/retry` can still send it once the app has fixed the
 * subscription.
 */
export async function recordUndeliverable(broker: MessageBroker, delivery: NewDelivery, reason: string): Promise<void> {
  const { deliveryId, appId, subscriptionId, envelope, createdAt } = delivery;
  await broker.publish('results', {
    v: 1,
    kind: 'attempt.recorded',
    delivery: { id: deliveryId, appId, eventId: envelope.id, subscriptionId, createdAt, ...mergedOf(envelope) },
    attempt: {
      id: derivedId('attempt', Date.parse(createdAt), deliveryId, 'undeliverable'),
      deliveryId,
      number: 1,
      at: new Date().toISOString(),
      statusCode: null,
      durationMs: 0,
      error: reason,
      responseBody: null,
    },
    outcome: { status: 'dead', lastError: reason },
    ...(delivery.traceparent !== undefined ? { traceparent: delivery.traceparent } : {}),
  });
}
