import type { StoredEvent } from '../../shared/types.js';
import type { Page, PageRequest, TenantScope } from './page.js';

export interface EventQuery {
  type?: string;
  /** Only events received after this RFC 3339 time. */
  after?: string;
}

export interface InsertEventResult {
  event: StoredEvent;
  /** False when the idempotency key was seen within its window: `event` is the first one. */
  created: boolean;
  /** False until the event has been handed to the broker and confirmed. */
  queued: boolean;
}

export interface EventStore {
  /**
   * Stores the event unless the app already published one with the same idempotency key
   * within `idempotencyWindowMs`; atomically, so two racing requests yield one event.
   */
  insert(event: StoredEvent, idempotencyWindowMs: number): Promise<InsertEventResult>;
  /** Records that the broker confirmed the event, so a repeated request need not publish it again. */
  markQueued(id: string): Promise<void>;
  get(id: string, scope: TenantScope): Promise<StoredEvent | null>;
  list(scope: TenantScope, query: EventQuery, page: PageRequest): Promise<Page<StoredEvent>>;
}
