import type { Logger } from '../../../shared/logger.js';
import type { Storage } from '../../ports/index.js';
import { createSqliteApiKeyStore } from './api-key-store.js';
import { createSqliteAppStore } from './app-store.js';
import { SqliteHandle } from './database.js';
import { createSqliteDeliveryStore } from './delivery-store.js';
import { createSqliteEventStore } from './event-store.js';
import { migrate } from './migrator.js';
import { migrations } from './schema.js';
import { translateSqliteError } from './sqlite-errors.js';
import { createSqliteSubscriptionStore } from './subscription-store.js';

export interface SqliteStorageOptions {
  /** The database file; created with its directory's permissions when missing. */
  file: string;
  logger?: Logger;
  /** How long a write waits for another connection's lock before failing as unavailable; default 5 s. */
  busyTimeoutMs?: number;
}

/**
 * The embedded storage adapter: every storage port on one SQLite file (better-sqlite3, WAL).
 * `start()` opens the file and applies pending migrations; calling it again, or on a file
 * already migrated, changes nothing. After `close()`, calls reject with UnavailableError
 * until `start()` reopens the file.
 *
 * @example
 * const storage = createSqliteStorage({ file: join(dataDir, 'hookgate.sqlite'), logger });
 * await storage.start();
 * await storage.apps.create({ id: newId('app'), name: 'shop', createdAt: new Date().toISOString() });
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  const handle = new SqliteHandle(options.file, options.busyTimeoutMs);
  const logger = options.logger?.child({ storage: 'sqlite' });

  return {
    apps: createSqliteAppStore(handle),
    apiKeys: createSqliteApiKeyStore(handle),
    subscriptions: createSqliteSubscriptionStore(handle),
    events: createSqliteEventStore(handle),
    deliveries: createSqliteDeliveryStore(handle),

    async start() {
      const db = handle.open();
      try {
        migrate({ db, migrations, logger });
      } catch (error) {
        handle.close();
        throw translateSqliteError(error, 'migrate the schema');
      }
      logger?.debug({ file: options.file }, 'SQLite storage ready');
    },

    async ping() {
      if (!handle.isOpen) return false;
      try {
        handle.statement('SELECT 1').get();
        return true;
      } catch {
        return false;
      }
    },

    async close() {
      handle.close();
    },
  };
}
