import { ValidationError } from '../../../shared/errors/index.js';
import type { StoredEvent } from '../../../shared/types.js';
import type { EventStore, InsertEventResult } from '../../ports/index.js';
import type { SqliteHandle } from './database.js';
import { pageQuery, toPage, Where } from './rows.js';

interface EventRow {
  id: string;
  app_id: string;
  type: string;
  data: string;
  occurred_at: string;
  received_at: string;
  idempotency_key: string | null;
  queued: number;
}

interface KeyRow {
  event_id: string;
  received_ms: number;
}

const COLUMNS = 'id, app_id, type, data, occurred_at, received_at, idempotency_key, queued';

function toEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    appId: row.app_id,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    ...(row.idempotency_key !== null ? { idempotencyKey: row.idempotency_key } : {}),
  };
}

function receivedMs(event: StoredEvent): number {
  const ms = Date.parse(event.receivedAt);
  if (Number.isNaN(ms)) throw new ValidationError([{ path: 'receivedAt', message: 'must be an RFC 3339 time' }]);
  return ms;
}

/**
 * Events on SQLite. Idempotency keys live in their own table, one row per (app, key) pointing
 * at the latest event that used the key, so a key whose window has passed can be taken by a
 * new event while the old event keeps its record of the key.
 */
export function createSqliteEventStore(handle: SqliteHandle): EventStore {
  function readRow(id: string): EventRow | undefined {
    return handle.statement(`SELECT ${COLUMNS} FROM events WHERE id = ?`).get(id) as EventRow | undefined;
  }

  /** The event that holds the key, when it took the key less than `windowMs` before `nowMs`. */
  function holderOf(appId: string, key: string, nowMs: number, windowMs: number): EventRow | undefined {
    const held = handle
      .statement('SELECT event_id, received_ms FROM event_idempotency_keys WHERE app_id = ? AND idempotency_key = ?')
      .get(appId, key) as KeyRow | undefined;
    if (held === undefined || nowMs - held.received_ms >= windowMs) return undefined;
    return readRow(held.event_id);
  }

  return {
    insert(event, idempotencyWindowMs) {
      // The window is measured on the candidate's receivedAt, the caller's clock, so every
      // replica of a tier judges a key the same way whatever this host's clock says.
      return handle.transaction('store event', (): InsertEventResult => {
        const nowMs = receivedMs(event);
        const key = event.idempotencyKey;
        if (key !== undefined) {
          const first = holderOf(event.appId, key, nowMs, idempotencyWindowMs);
          if (first !== undefined) return { event: toEvent(first), created: false, queued: first.queued === 1 };
        }
        handle
          .statement(
            `INSERT INTO events (id, app_id, type, data, occurred_at, received_at, received_ms, idempotency_key, queued)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
          )
          .run(event.id, event.appId, event.type, JSON.stringify(event.data ?? null), event.occurredAt, event.receivedAt, nowMs, key ?? null);
        if (key !== undefined) {
          handle
            .statement(
              `INSERT INTO event_idempotency_keys (app_id, idempotency_key, event_id, received_ms) VALUES (?, ?, ?, ?)
               ON CONFLICT (app_id, idempotency_key) DO UPDATE SET event_id = excluded.event_id, received_ms = excluded.received_ms`,
            )
            .run(event.appId, key, event.id, nowMs);
        }
        // The row holds exactly the candidate's fields: reading it back would parse the data again
        // (tens of milliseconds for a 1 MB event, on the thread that serves everyone).
        return { event: { ...event, data: event.data ?? null }, created: true, queued: false };
      });
    },

    markQueued(id) {
      return handle.run('mark event queued', () => {
        handle.statement('UPDATE events SET queued = 1 WHERE id = ?').run(id);
      });
    },

    get(id, scope) {
      return handle.run('read event', () => {
        const where = new Where().when(id, 'id = ?').scope(scope);
        const row = handle.statement(`SELECT ${COLUMNS} FROM events ${where}`).get(...where.params) as EventRow | undefined;
        return row ? toEvent(row) : null;
      });
    },

    list(scope, query, page) {
      return handle.run('list events', () => {
        let afterMs: number | undefined;
        if (query.after !== undefined) {
          afterMs = Date.parse(query.after);
          if (Number.isNaN(afterMs)) throw new ValidationError([{ path: 'after', message: 'must be an RFC 3339 time' }]);
        }
        const where = new Where().scope(scope).when(query.type, 'type = ?').when(afterMs, 'received_ms > ?');
        const { clause, params } = pageQuery(where, page);
        const rows = handle.statement(`SELECT ${COLUMNS} FROM events ${clause}`).all(...params) as EventRow[];
        return toPage(rows, page, toEvent);
      });
    },
  };
}
