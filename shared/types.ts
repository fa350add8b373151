/**
 * The domain records every tier exchanges. Times are RFC 3339 UTC strings, ids are prefixed
 * ULIDs (see ids.ts). These are the shapes of API.md; storage adapters map them to rows or
 * documents, and no adapter type leaks past them.
 */

export interface App {
  id: string;
  name: string;
  createdAt: string;
}

/** An API key as listed: never its secret nor its hash. */
export interface ApiKey {
  id: string;
  appId: string;
  /** The first characters of the key, so an operator can tell keys apart. */
  prefix: string;
  createdAt: string;
}

export interface MergeRule {
  /** Dotted path into the envelope, e.g. `data.orderId`. */
  key: string;
  windowMs: number;
}

export interface Subscription {
  id: string;
  appId: string;
  url: string;
  events: string[];
  filter?: Record<string, unknown>;
  merge?: MergeRule;
  transform?: string;
  rateLimit?: { perSecond: number };
  headers?: Record<string, string>;
  description?: string;
  enabled: boolean;
  /** Why the platform disabled it (410 Gone, endpoint failing); absent when the app did. */
  disabledReason?: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Signing secrets of one subscription, decrypted. During a rotation `previous` keeps signing
 * beside `current` until `previousExpiresAt`.
 */
export interface SigningSecrets {
  current: string;
  previous?: string;
  previousExpiresAt?: string;
}

/** An event as published by an app. */
export interface StoredEvent {
  id: string;
  appId: string;
  type: string;
  data: unknown;
  /** When it happened, as the publisher says (default: when received). */
  occurredAt: string;
  receivedAt: string;
  idempotencyKey?: string;
}

/** What a subscriber receives (API.md "the envelope"). */
export interface EventEnvelope {
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
  merged?: { count: number; eventIds: string[] };
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'dead'];

export interface Delivery {
  id: string;
  appId: string;
  /** The event it carries; for a merged delivery, the latest merged event. */
  eventId: string;
  subscriptionId: string;
  status: DeliveryStatus;
  attemptCount: number;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt?: string;
  lastError?: string;
  /** For a merged delivery: every event it carries, in arrival order (`eventId` is the latest). */
  mergedEventIds?: string[];
}

/** What identifies a delivery when it is recorded: fixed when it is created. */
export type DeliveryRef = Pick<Delivery, 'id' | 'appId' | 'eventId' | 'subscriptionId' | 'createdAt' | 'mergedEventIds'>;

export interface Attempt {
  id: string;
  deliveryId: string;
  /** 1-based, in the order the attempts were made. */
  number: number;
  at: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The first 1 KiB of the response body. */
  responseBody: string | null;
}

export interface DeliveryWithAttempts extends Delivery {
  attempts: Attempt[];
}

export function envelopeOf(event: Pick<StoredEvent, 'id' | 'type' | 'occurredAt' | 'data'>): EventEnvelope {
  return { id: event.id, type: event.type, timestamp: event.occurredAt, data: event.data };
}
