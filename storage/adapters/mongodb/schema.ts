import type { Db } from 'mongodb';

/** Every collection of the adapter, by its name in the database. */
export const COLLECTIONS = {
  apps: 'apps',
  apiKeys: 'api_keys',
  subscriptions: 'subscriptions',
  events: 'events',
  deliveries: 'deliveries',
  attempts: 'attempts',
} as const;

/** What an app owns: each of these documents carries its `appId`, and goes when the app does. */
export const OWNED_BY_APP = [COLLECTIONS.apiKeys, COLLECTIONS.subscriptions, COLLECTIONS.events, COLLECTIONS.deliveries, COLLECTIONS.attempts];

/** The unique index that gives an idempotency key to one event at a time (see event-store.ts). */
export const IDEMPOTENCY_CLAIM_INDEX = 'events_idempotency_claim';

/** One schema change. */
export interface MongoMigration {
  /** Strictly increasing, never reused; a released migration is never edited, only followed. */
  version: number;
  name: string;
  /**
   * Must be safe to run twice: MongoDB has no transactional DDL, so a migration interrupted by
   * a crash, or run by two processes starting at once, runs again. Creating an index that
   * exists with the same options is a no-op, which makes index migrations so.
   */
  up(db: Db): Promise<void>;
}

/**
 * The schema, in order (apps need only their `_id` index). Documents use our string ids as `_id`. Times are kept as given (RFC
 * 3339 strings, for reading back) plus a BSON date twin where queries compare them or a TTL
 * index counts from them (`receivedDate`, `updatedDate`, `attemptedDate`). Every list query
 * has an index that serves its filter and its `_id` order; the TTL indexes of retention are
 * configuration, not schema, and are applied at every start (retention.ts).
 */
export const migrations: readonly MongoMigration[] = [
  {
    version: 1,
    name: 'initial collections and indexes',
    async up(db) {
      await db.collection(COLLECTIONS.apiKeys).createIndexes([
        { key: { hash: 1 }, name: 'api_keys_by_hash', unique: true },
        { key: { appId: 1, _id: 1 }, name: 'api_keys_by_app' },
      ]);
      await db.collection(COLLECTIONS.subscriptions).createIndexes([
        { key: { appId: 1, _id: 1 }, name: 'subscriptions_by_app' },
        { key: { appId: 1, enabled: 1, _id: 1 }, name: 'subscriptions_enabled_by_app' },
      ]);
      await db.collection(COLLECTIONS.events).createIndexes([
        { key: { appId: 1, _id: 1 }, name: 'events_by_app' },
        { key: { appId: 1, type: 1, _id: 1 }, name: 'events_by_app_type' },
        { key: { appId: 1, receivedDate: 1 }, name: 'events_by_app_received' },
        {
          key: { appId: 1, idempotencyClaim: 1 },
          name: IDEMPOTENCY_CLAIM_INDEX,
          unique: true,
          partialFilterExpression: { idempotencyClaim: { $exists: true } },
        },
      ]);
      await db.collection(COLLECTIONS.deliveries).createIndexes([
        { key: { appId: 1, _id: 1 }, name: 'deliveries_by_app' },
        { key: { appId: 1, subscriptionId: 1, _id: 1 }, name: 'deliveries_by_app_subscription' },
        { key: { appId: 1, eventId: 1, _id: 1 }, name: 'deliveries_by_app_event' },
        { key: { appId: 1, status: 1, _id: 1 }, name: 'deliveries_by_app_status' },
      ]);
      await db.collection(COLLECTIONS.attempts).createIndexes([
        { key: { deliveryId: 1, number: 1 }, name: 'attempts_by_delivery' },
        { key: { appId: 1 }, name: 'attempts_by_app' },
      ]);
    },
  },
];
