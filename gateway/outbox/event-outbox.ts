import type { EventToPublish } from '../services/event-publisher.js';

/** An event waiting in the outbox. */
export interface OutboxEntry {
  /** Its place in the outbox: entries are published in ascending order. */
  seq: number;
  event: EventToPublish;
  /** When it was appended, in ms since the epoch. */
  appendedAt: number;
  /** Publish attempts that failed so far. */
  attempts: number;
  /** Why the latest attempt failed. */
  lastError?: string;
}

/** An event set aside because publishing it can never succeed (the platform refused it as invalid). */
export interface ParkedEntry extends OutboxEntry {
  reason: string;
  parkedAt: number;
}

/**
 * The gateway's local, durable queue of events on their way to the platform: the `emit-event`
 * plugin appends to it, and the outbox relay publishes from it, oldest first, removing each
 * once the platform confirmed it. It holds what the broker or the storage cannot take right
 * now, bounded only by the disk: nothing is dropped when it grows. One outbox per gateway
 * process, shared across config reloads. Adapters: SQLite (`adapters/sqlite.ts`).
 *
 * @example
 * const outbox = createSqliteOutbox({ file: defaultOutboxFile(config.dataDir) });
 * await outbox.start();
 * await outbox.append({ appId, type: 'order.created', data, idempotencyKey });
 */
export interface EventOutbox {
  /** Opens the store; entries appended before a crash are there again. */
  start(): Promise<void>;
  /**
   * Appends an event durably: once this resolves it survives the process being killed. Rejects
   * with `UnavailableError` when it cannot be stored (disk full, outbox closed).
   */
  append(event: EventToPublish): Promise<void>;
  /** Up to `limit` waiting entries, oldest first. */
  oldest(limit: number): Promise<OutboxEntry[]>;
  /** Forgets a published entry; removing one that is gone is no error. */
  remove(seq: number): Promise<void>;
  /** Notes a failed attempt on the entry (its count and the reason), for inspection; it keeps its place. */
  recordFailure(seq: number, reason: string): Promise<void>;
  /** Moves the entry out of the waiting line into the parked ones, where it is kept until an operator acts. */
  park(seq: number, reason: string): Promise<void>;
  /** Up to `limit` parked entries, oldest first. */
  parked(limit: number): Promise<ParkedEntry[]>;
  /** Entries waiting, and entries parked. */
  depth(): Promise<{ waiting: number; parked: number }>;
  /** Calls `listener` after each append through this instance (the relay wakes on it). Returns the unsubscribe. */
  onAppend(listener: () => void): () => void;
  /** Closes the store; appends after it reject. */
  close(): Promise<void>;
}
