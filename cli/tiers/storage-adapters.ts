import { join } from 'node:path';
import { createMongoMergeBuffer, createSqliteMergeBuffer, type MergeBuffer } from '../../processor/index.js';
import type { HookgateConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { createMongoStorage } from '../../storage/adapters/mongodb/index.js';
import { createSqliteStorage } from '../../storage/adapters/sqlite/index.js';
import type { Storage } from '../../storage/ports/index.js';

/** The store the storage tier owns: MongoDB when `HOOKGATE_MONGODB_URL` is set, else SQLite under the data dir. */
export function openStorage(config: HookgateConfig, logger: Logger): Storage {
  const log = logger.child({ tier: 'storage' });
  if (config.mongodbUrl) return createMongoStorage({ url: config.mongodbUrl, logger: log, retentionDays: config.retentionDays });
  return createSqliteStorage({ file: join(config.dataDir, 'hookgate.sqlite'), logger: log });
}

/** Where the processor holds merge windows: MongoDB when set (shared by replicas), else SQLite under the data dir. */
export function openMergeBuffer(config: HookgateConfig): MergeBuffer {
  if (config.mongodbUrl) return createMongoMergeBuffer({ url: config.mongodbUrl });
  return createSqliteMergeBuffer({ file: join(config.dataDir, 'merge.sqlite') });
}
