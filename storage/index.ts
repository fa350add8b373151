/**
 * The storage tier: one port per aggregate (apps, API keys, subscriptions, events,
 * deliveries with their attempts) bundled as `Storage`, its adapters, and the consumer that
 * writes the processor's results into it.
 *
 * - `storage/ports`: the interfaces tiers program against (import types from there).
 * - `createSqliteStorage`: the embedded adapter, one SQLite file with versioned migrations.
 * - `createMongoStorage`: the distributed adapter, one MongoDB database (official driver).
 * - `applyResult` / `startResultsConsumer`: the `results` queue into the stores.
 */
export type * from './ports/index.js';
export { createSqliteStorage, type SqliteStorageOptions } from './adapters/sqlite/index.js';
export { createMongoStorage, type MongoStorageOptions } from './adapters/mongodb/index.js';
export { applyResult, startResultsConsumer, type ResultsConsumerOptions } from './results-consumer.js';
