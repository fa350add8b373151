import type { HookgateMetrics } from '../../shared/metrics.js';
import { UnavailableError, ValidationError } from '../../shared/errors/index.js';
import { newId } from '../../shared/ids.js';
import { envelopeOf, type StoredEvent } from '../../shared/types.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../shared/webhooks/json-depth.js';
import type { MessageBroker } from '../../queue/ports/message-broker.js';
import type { EventStore } from '../../storage/ports/index.js';

export interface EventPublisherOptions {
  events: EventStore;
  broker: MessageBroker;
  metrics: HookgateMetrics;
  /** How long an idempotency key is remembered (`HOOKGATE_IDEMPOTENCY_WINDOW`). */
  idempotencyWindowMs: number;
}

export interface EventToPublish {
  appId: string;
  type: string;
  data: unknown;
  /** Normalised RFC 3339 UTC; default: when received. */
  occurredAt?: string;
  idempotencyKey?: string;
  /** Valid W3C trace context of the request, carried onto the webhooks. */
  traceparent?: string;
}

export interface PublishedEvent {
  event: StoredEvent;
  /** True when the idempotency key was seen before: `event` is the first one, nothing new was published. */
  replayed: boolean;
}

export interface EventPublisher {
  /**
   * Stores the event, hands it to the broker and waits for the broker's confirmation; only then
   * is it accepted. Throws `UnavailableError` when the broker cannot confirm: the event stays
   * stored un-queued, and a retry with the same idempotency key queues it then. Throws
   * `ValidationError` for `data` nested deeper than `MAX_JSON_DEPTH`, storing nothing.
   */
  publish(event: EventToPublish): Promise<PublishedEvent>;
  /** The events in order, each as `publish`; stops at the first failure (the ones before it stay accepted). */
  publishAll(events: readonly EventToPublish[]): Promise<PublishedEvent[]>;
}

/**
 * @example
 * const publisher = createEventPublisher({ events: storage.events, broker, metrics, idempotencyWindowMs: config.idempotencyWindowMs });
 * const { event, replayed } = await publisher.publish({ appId, type: 'order.paid', data, idempotencyKey: 'o-1-paid' });
 */
export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  const { events, broker, metrics } = options;

  async function enqueue(event: StoredEvent, traceparent: string | undefined): Promise<void> {
    try {
      await broker.publish(
        'events',
        {
          v: 1,
          appId: event.appId,
          event: envelopeOf(event),
          receivedAt: event.receivedAt,
          ...(traceparent !== undefined ? { traceparent } : {}),
        },
        { routingKey: event.type },
      );
    } catch (error) {
      metrics.eventsPublished.inc({ outcome: 'unavailable' });
      throw new UnavailableError(
        'The event was stored but the queue did not confirm it; retry with the same Idempotency-Key (or id) to queue it without duplicating it.',
        error,
      );
    }
    // Only a repeat of the same idempotency key ever reads the flag: without a key, skip the write.
    if (event.idempotencyKey !== undefined) await events.markQueued(event.id);
  }

  async function publish(request: EventToPublish): Promise<PublishedEvent> {
    // The /v1 schemas refuse this already; emit-event's data (an upstream's answer) comes here directly.
    if (nestsDeeperThan(request.data, MAX_JSON_DEPTH)) {
      throw new ValidationError([{ path: 'data', message: `must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep` }]);
    }
    const receivedAt = new Date().toISOString();
    const candidate: StoredEvent = {
      id: newId('event'),
      appId: request.appId,
      type: request.type,
      data: request.data,
      occurredAt: request.occurredAt ?? receivedAt,
      receivedAt,
      ...(request.idempotencyKey !== undefined ? { idempotencyKey: request.idempotencyKey } : {}),
    };
    const stored = await events.insert(candidate, options.idempotencyWindowMs);
    if (!stored.queued) await enqueue(stored.event, request.traceparent);
    metrics.eventsPublished.inc({ outcome: stored.created ? 'accepted' : 'duplicate' });
    return { event: stored.event, replayed: !stored.created };
  }

  return {
    publish,
    async publishAll(requests) {
      const published: PublishedEvent[] = [];
      for (const request of requests) published.push(await publish(request));
      return published;
    },
  };
}
