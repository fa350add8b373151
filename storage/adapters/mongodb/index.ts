import type { Logger } from '../../../shared/logger.js';
import type { Storage } from '../../ports/index.js';
import { createMongoApiKeyStore } from './api-key-store.js';
import { createMongoAppStore } from './app-store.js';
import { MongoHandle } from './connection.js';
import { createMongoDeliveryStore } from './delivery-store.js';
import { createMongoEventStore } from './event-store.js';
import { migrate } from './migrator.js';
import { translateMongoError } from './mongo-errors.js';
import { applyRetention, DEFAULT_RETENTION_DAYS } from './retention.js';
import { migrations } from './schema.js';
import { createMongoSubscriptionStore } from './subscription-store.js';

export interface MongoStorageOptions {
  /** A MongoDB connection string (`HOOKGATE_MONGODB_URL`). */
  url: string;
  /** Default: the database named in the URL, else `hookgate`. */
  dbName?: string;
  logger: Logger;
  /** How long events, deliveries and attempts are kept (`HOOKGATE_RETENTION_DAYS`); default 30. */
  retentionDays?: number;
  /** How long an operation waits for a reachable server before failing as unavailable; default 5 s. */
  serverSelectionTimeoutMs?: number;
}

/**
 * The distributed storage adapter: every storage port on one MongoDB database (official
 * driver). `start()` connects, applies pending migrations and the retention's TTL indexes;
 * calling it again changes nothing. After `close()`, calls reject with UnavailableError until
 * `start()` connects again.
 *
 * @example
 * const storage = createMongoStorage({ url: config.mongodbUrl, logger, retentionDays: config.retentionDays });
 * await storage.start();
 * await storage.apps.create({ id: newId('app'), name: 'shop', createdAt: new Date().toISOString() });
 */
export function createMongoStorage(options: MongoStorageOptions): Storage {
  const handle = new MongoHandle(options);
  const logger = options.logger.child({ storage: 'mongodb' });
  const retentionSeconds = Math.round((options.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400);

  return {
    apps: createMongoAppStore(handle),
    apiKeys: createMongoApiKeyStore(handle),
    subscriptions: createMongoSubscriptionStore(handle),
    events: createMongoEventStore(handle),
    deliveries: createMongoDeliveryStore(handle),

    async start() {
      const db = await handle.open();
      try {
        await migrate({ db, migrations, logger });
        await applyRetention(db, retentionSeconds, logger);
      } catch (error) {
        await handle.close();
        throw translateMongoError(error, 'migrate the schema');
      }
      logger.debug({ database: handle.dbName }, 'MongoDB storage ready');
    },

    async ping() {
      if (!handle.isOpen) return false;
      try {
        await handle.database().command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    },

    async close() {
      await handle.close();
    },
  };
}
