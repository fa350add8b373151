import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { UnavailableError, UnrecoverableError } from '../../shared/errors/index.js';
import type { ClosedWindow, HeldEvent, MergeBuffer } from '../ports/merge-buffer.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS merge_windows (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    merge_value TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX IF NOT EXISTS merge_windows_open ON merge_windows (subscription_id, merge_value) WHERE closed = 0;
  CREATE TABLE IF NOT EXISTS merge_events (
    window_id TEXT NOT NULL REFERENCES merge_windows (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    subscription_id TEXT NOT NULL,
    hold_id TEXT NOT NULL,
    held TEXT NOT NULL,
    PRIMARY KEY (window_id, seq)
  );
  CREATE UNIQUE INDEX IF NOT EXISTS merge_events_once ON merge_events (subscription_id, hold_id);
`;

interface WindowRow {
  id: string;
  subscription_id: string;
  app_id: string;
  opened_at: number;
  closes_at: number;
}

/** SQLite's "not now" failures: contention, disk or I/O trouble. A retry may well succeed. */
const TRANSIENT_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM|INTERRUPT)/;

/**
 * A failure as the processor must treat it: unavailable (retry later) when SQLite could not
 * work now or the buffer is closed; unrecoverable when it refused this request (a constraint,
 * a value it cannot bind), which would fail the same way every time and must not have the
 * event redelivered to every other subscription of its app.
 */
function translate(error: unknown, what: string): Error {
  if (error instanceof UnavailableError) return error;
  const transient =
    (error instanceof Database.SqliteError && TRANSIENT_CODES.test(error.code)) ||
    (error instanceof TypeError && /database connection is not open/i.test(error.message));
  if (transient) return new UnavailableError(`The merge buffer cannot ${what} right now.`, error);
  return new UnrecoverableError(`The merge buffer cannot ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/**
 * The merge buffer on a SQLite file of its own (`<data dir>/merge.sqlite`), for the embedded
 * mode. Every call is one transaction that commits before it resolves (WAL), so what `hold`
 * accepted survives `kill -9`.
 */
export function createSqliteMergeBuffer(options: { file: string }): MergeBuffer {
  let db: Database.Database | undefined;

  function database(): Database.Database {
    if (db === undefined) throw new UnavailableError('The merge buffer is not open.');
    return db;
  }

  function write<T>(what: string, work: (db: Database.Database) => T): Promise<T> {
    try {
      const open = database();
      return Promise.resolve(open.transaction(() => work(open)).immediate());
    } catch (error) {
      return Promise.reject(translate(error, what));
    }
  }

  return {
    async start() {
      if (db) return;
      const opened = new Database(options.file);
      opened.pragma('journal_mode = WAL');
      opened.pragma('synchronous = NORMAL');
      opened.pragma('foreign_keys = ON');
      opened.exec(SCHEMA);
      db = opened;
    },

    hold(request, now) {
      return write('hold an event', (open) => {
        const already = open
          .prepare(
            `SELECT w.id, w.opened_at, w.closes_at, (SELECT COUNT(*) FROM merge_events m WHERE m.window_id = w.id) AS count
             FROM merge_events e JOIN merge_windows w ON w.id = e.window_id WHERE e.subscription_id = ? AND e.hold_id = ?`,
          )
          .get(request.subscriptionId, request.holdId) as { id: string; opened_at: number; closes_at: number; count: number } | undefined;
        if (already) {
          return { windowId: already.id, openedAt: already.opened_at, closesAt: already.closes_at, count: already.count, opened: false, repeated: true };
        }
        let window = open
          .prepare('SELECT id, opened_at, closes_at FROM merge_windows WHERE subscription_id = ? AND merge_value = ? AND closed = 0')
          .get(request.subscriptionId, request.mergeValue) as Pick<WindowRow, 'id' | 'opened_at' | 'closes_at'> | undefined;
        let opened = false;
        if (window !== undefined && window.closes_at <= now) {
          // Its time is up and its flush is on the way: this event starts the next window.
          open.prepare('UPDATE merge_windows SET closed = 1 WHERE id = ?').run(window.id);
          window = undefined;
        }
        if (window === undefined) {
          window = { id: randomUUID(), opened_at: now, closes_at: now + request.windowMs };
          open
            .prepare('INSERT INTO merge_windows (id, subscription_id, app_id, merge_value, opened_at, closes_at) VALUES (?, ?, ?, ?, ?, ?)')
            .run(window.id, request.subscriptionId, request.appId, request.mergeValue, window.opened_at, window.closes_at);
          opened = true;
        }
        const { count } = open.prepare('SELECT COUNT(*) AS count FROM merge_events WHERE window_id = ?').get(window.id) as { count: number };
        open
          .prepare('INSERT INTO merge_events (window_id, seq, subscription_id, hold_id, held) VALUES (?, ?, ?, ?, ?)')
          .run(window.id, count + 1, request.subscriptionId, request.holdId, JSON.stringify(request.event));
        return { windowId: window.id, openedAt: window.opened_at, closesAt: window.closes_at, count: count + 1, opened, repeated: false };
      });
    },

    close(windowId) {
      return write('close a merge window', (open): ClosedWindow | null => {
        const window = open.prepare('SELECT id, subscription_id, app_id, opened_at FROM merge_windows WHERE id = ?').get(windowId) as
          | WindowRow
          | undefined;
        if (window === undefined) return null;
        open.prepare('UPDATE merge_windows SET closed = 1 WHERE id = ?').run(windowId);
        const rows = open.prepare('SELECT held FROM merge_events WHERE window_id = ? ORDER BY seq').all(windowId) as { held: string }[];
        return {
          windowId,
          subscriptionId: window.subscription_id,
          appId: window.app_id,
          openedAt: window.opened_at,
          events: rows.map((row) => JSON.parse(row.held) as HeldEvent),
        };
      });
    },

    release(windowId) {
      return write('release a merge window', (open) => {
        open.prepare('DELETE FROM merge_windows WHERE id = ?').run(windowId);
      });
    },

    async stop() {
      db?.close();
      db = undefined;
    },
  };
}
