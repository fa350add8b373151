import type { Attempt, DeliveryRef, DeliveryStatus, EventEnvelope } from '../shared/types.js';

/**
 * What travels between tiers. Every message carries `v`, the schema version, so a consumer
 * can refuse (dead-letter) a shape it does not know instead of misreading it.
 */
export const MESSAGE_SCHEMA_VERSION = 1;

/** An event to fan out to the app's matching subscriptions. */
export interface EventMessage {
  v: 1;
  appId: string;
  event: EventEnvelope;
  /** W3C trace context of the publishing request, carried onto the webhook. */
  traceparent?: string;
  /** When the platform accepted the event (for publish-to-delivery latency). */
  receivedAt: string;
  /** A replay, or a fan-out redone for one subscription after a transient failure, targets that subscription only. */
  onlySubscriptionId?: string;
  /** Set on a replay: makes its deliveries new ones, distinct from the first delivery's. */
  replayId?: string;
}

/** One delivery attempt to make. Retries are new messages with `attempt` + 1 and the same `deliveryId`. */
export interface DeliveryMessage {
  v: 1;
  deliveryId: string;
  appId: string;
  subscriptionId: string;
  /** The body before any transform (for a merged delivery, the merged envelope). */
  envelope: EventEnvelope;
  /** 1-based number of the attempt this message asks for. */
  attempt: number;
  createdAt: string;
  /** When the (latest) event was accepted, for publish-to-delivery latency. */
  eventReceivedAt: string;
  traceparent?: string;
  /**
   * Set when the processor held this attempt back to pace its subscription: the time slot it
   * reserved (RFC 3339). Arriving at that time, the attempt goes without reserving again.
   */
  pacedFor?: string;
}

export type { DeliveryRef } from '../shared/types.js';

/**
 * Why the platform disabled a subscription, as a bounded value (metric label, log field):
 * `gone` (the endpoint answered 410 Gone), `unhealthy` (`HOOKGATE_DISABLE_AFTER_DEAD` dead
 * deliveries in a row), `failing` (no success for `HOOKGATE_DISABLE_AFTER_FAILING`).
 */
export const DISABLE_CAUSES = ['gone', 'unhealthy', 'failing'] as const;
export type DisableCause = (typeof DISABLE_CAUSES)[number];

/**
 * Results the processor publishes for the storage tier (and anyone else listening). Each
 * carries the W3C `traceparent` of the event it belongs to, when the event had one, so the
 * storage tier's log lines join the event's trace.
 */
export type ResultMessage =
  | { v: 1; kind: 'delivery.scheduled'; delivery: DeliveryRef; traceparent?: string }
  | {
      v: 1;
      kind: 'attempt.recorded';
      delivery: DeliveryRef;
      attempt: Attempt;
      outcome: { status: DeliveryStatus; nextAttemptAt?: string; lastError?: string };
      traceparent?: string;
    }
  | {
      v: 1;
      kind: 'subscription.disabled';
      appId: string;
      subscriptionId: string;
      /** For people: stored as the subscription's `disabledReason`. */
      reason: string;
      /** For machines; absent means `gone`, the one cause a processor reports. */
      cause?: DisableCause;
      at: string;
      traceparent?: string;
    };

/** A merge window's time is up (or it is full): deliver its events as one. */
export interface MergeFlushMessage {
  v: 1;
  windowId: string;
  subscriptionId: string;
  appId: string;
}

/**
 * A notice to every listening process, not a work item: a subscription was created, changed
 * or deleted, so caches of it are stale. `appId` is absent when the writer did not know it.
 */
export interface SubscriptionChangedNotice {
  v: 1;
  kind: 'subscription.changed';
  subscriptionId: string;
  appId?: string;
}

/** The queues every broker adapter provides, and the message each carries. */
export interface QueueMessages {
  events: EventMessage;
  deliveries: DeliveryMessage;
  results: ResultMessage;
  merges: MergeFlushMessage;
}

export type QueueName = keyof QueueMessages;

export const QUEUE_NAMES: readonly QueueName[] = ['events', 'deliveries', 'results', 'merges'];
