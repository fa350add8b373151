/**
 * The gateway's durable event outbox: the port (`EventOutbox`), its SQLite adapter, and the
 * relay that publishes from it to the platform. What the `emit-event` plugin writes to.
 */
export type { EventOutbox, OutboxEntry, ParkedEntry } from './event-outbox.js';
export { createSqliteOutbox, defaultOutboxFile, type SqliteOutboxOptions } from './adapters/sqlite.js';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
