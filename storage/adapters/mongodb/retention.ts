import type { Db } from 'mongodb';
import type { Logger } from '../../../shared/logger.js';
import { COLLECTIONS } from './schema.js';

/** How long events, deliveries and attempts are kept, by default. */
export const DEFAULT_RETENTION_DAYS = 30;

/**
 * The TTL indexes of retention: MongoDB deletes a document once the date in `field` is older
 * than the index's `expireAfterSeconds`. An event goes that long after it was received, a
 * delivery that long after it last changed (so a delivery still being retried stays), an
 * attempt that long after it was made.
 */
const RETENTION_INDEXES = [
  { collection: COLLECTIONS.events, name: 'events_retention', field: 'receivedDate' },
  { collection: COLLECTIONS.deliveries, name: 'deliveries_retention', field: 'updatedDate' },
  { collection: COLLECTIONS.attempts, name: 'attempts_retention', field: 'attemptedDate' },
] as const;

/**
 * Makes every retention index expire after `retentionSeconds`: creates the ones missing and
 * changes, with `collMod`, the ones created under another retention. Run at every start,
 * since retention is configuration that may change between starts, unlike the schema.
 */
export async function applyRetention(db: Db, retentionSeconds: number, logger?: Logger): Promise<void> {
  for (const ttl of RETENTION_INDEXES) {
    const collection = db.collection(ttl.collection);
    const existing = (await collection.indexes()).find((index) => index.name === ttl.name);
    if (existing === undefined) {
      await collection.createIndex({ [ttl.field]: 1 }, { name: ttl.name, expireAfterSeconds: retentionSeconds });
    } else if (existing.expireAfterSeconds !== retentionSeconds) {
      await db.command({ collMod: ttl.collection, index: { name: ttl.name, expireAfterSeconds: retentionSeconds } });
      logger?.info({ collection: ttl.collection, from: existing.expireAfterSeconds, to: retentionSeconds }, 'changed storage retention');
    }
  }
}
