import type { Attempt, Delivery, DeliveryRef, DeliveryStatus } from '../../../shared/types.js';
import type { DeliveryStore } from '../../ports/index.js';
import type { SqliteHandle } from './database.js';
import { pageQuery, toPage, Where } from './rows.js';

interface DeliveryRow {
  id: string;
  app_id: string;
  event_id: string;
  subscription_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  created_at: string;
  updated_at: string;
  next_attempt_at: string | null;
  last_error: string | null;
  merged_event_ids: string | null;
}

interface AttemptRow {
  id: string;
  delivery_id: string;
  number: number;
  at: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response_body: string | null;
}


const COLUMNS = 'id, app_id, event_id, subscription_id, status, attempt_count, created_at, updated_at, next_attempt_at, last_error, merged_event_ids';

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    appId: row.app_id,
    eventId: row.event_id,
    subscriptionId: row.subscription_id,
    status: row.status,
    attemptCount: row.attempt_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.next_attempt_at !== null ? { nextAttemptAt: row.next_attempt_at } : {}),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.merged_event_ids !== null ? { mergedEventIds: JSON.parse(row.merged_event_ids) as string[] } : {}),
  };
}

function toAttempt(row: AttemptRow): Attempt {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    number: row.number,
    at: row.at,
    statusCode: row.status_code,
    durationMs: row.duration_ms,
    error: row.error,
    responseBody: row.response_body,
  };
}

/**
 * Deliveries and their attempts on SQLite. Results reach it from a queue, so every write is
 * idempotent and order-tolerant: a repeat changes nothing, an attempt may arrive before its
 * scheduling record, and an older attempt never overwrites a newer outcome. Results for an
 * app that has been deleted are dropped, since everything the app owned is gone.
 */
export function createSqliteDeliveryStore(handle: SqliteHandle): DeliveryStore {
  function readRow(id: string, scope: string | undefined): DeliveryRow | undefined {
    const where = new Where().when(id, 'id = ?').scope(scope);
    return handle.statement(`SELECT ${COLUMNS} FROM deliveries ${where}`).get(...where.params) as DeliveryRow | undefined;
  }

  /** Inserts the delivery as pending unless it exists; false when its app no longer does. */
  function ensureDelivery(delivery: DeliveryRef): boolean {
    const inserted = handle
      .statement(
        `INSERT OR IGNORE INTO deliveries (id, app_id, event_id, subscription_id, status, attempt_count, created_at, updated_at, merged_event_ids)
         SELECT ?, ?, ?, ?, 'pending', 0, ?, ?, ? WHERE EXISTS (SELECT 1 FROM apps WHERE id = ?)`,
      )
      .run(
        delivery.id,
        delivery.appId,
        delivery.eventId,
        delivery.subscriptionId,
        delivery.createdAt,
        delivery.createdAt,
        delivery.mergedEventIds ? JSON.stringify(delivery.mergedEventIds) : null,
        delivery.appId,
      );
    return inserted.changes > 0 || readRow(delivery.id, undefined) !== undefined;
  }

  return {
    recordScheduled(delivery) {
      return handle.transaction('record scheduled delivery', () => {
        ensureDelivery(delivery);
      });
    },

    recordAttempt(delivery, attempt, outcome) {
      return handle.transaction('record delivery attempt', () => {
        if (!ensureDelivery(delivery)) return;
        const stored = handle
          .statement(
            `INSERT OR IGNORE INTO attempts (id, delivery_id, number, at, status_code, duration_ms, error, response_body)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(attempt.id, delivery.id, attempt.number, attempt.at, attempt.statusCode, attempt.durationMs, attempt.error, attempt.responseBody);
        if (stored.changes === 0) return;
        // Only a later attempt than any recorded moves the delivery on; a late-arriving earlier
        // one is kept in the history but must not undo, say, a success.
        handle
          .statement(
            `UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, last_error = ?, updated_at = ?
             WHERE id = ? AND attempt_count < ?`,
          )
          .run(outcome.status, attempt.number, outcome.nextAttemptAt ?? null, outcome.lastError ?? null, attempt.at, delivery.id, attempt.number);
      });
    },

    // Compare-and-set: null unless this call moved a failed or dead delivery to pending, also
    // when the delivery exists but is pending or succeeded. So of two racing retries only one
    // gets the delivery back and queues an attempt; the caller reads it to say why not.
    markRetrying(id, scope, at) {
      return handle.transaction('mark delivery for retry', () => {
        const where = new Where().when(id, 'id = ?').scope(scope);
        const changed = handle
          .statement(`UPDATE deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? ${where} AND status IN ('failed', 'dead')`)
          .run(at, at, ...where.params);
        if (changed.changes === 0) return null;
        return toDelivery(readRow(id, scope)!);
      });
    },

    get(id, scope) {
      return handle.run('read delivery', () => {
        const row = readRow(id, scope);
        if (row === undefined) return null;
        const attempts = handle
          .statement('SELECT * FROM attempts WHERE delivery_id = ? ORDER BY number, at, id')
          .all(id) as AttemptRow[];
        return { ...toDelivery(row), attempts: attempts.map(toAttempt) };
      });
    },

    list(scope, query, page) {
      return handle.run('list deliveries', () => {
        const where = new Where()
          .scope(scope)
          .when(query.subscriptionId, 'subscription_id = ?')
          .when(query.eventId, 'event_id = ?')
          .when(query.status, 'status = ?');
        const { clause, params } = pageQuery(where, page);
        const rows = handle.statement(`SELECT ${COLUMNS} FROM deliveries ${clause}`).all(...params) as DeliveryRow[];
        return toPage(rows, page, toDelivery);
      });
    },
  };
}
