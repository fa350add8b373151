import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { HookgateError, UnavailableError } from '../../../shared/errors/index.js';
import type { EventToPublish } from '../../services/event-publisher.js';
import type { EventOutbox, OutboxEntry, ParkedEntry } from '../event-outbox.js';

/** The outbox file when configuration names none: `<data dir>/gateway-outbox.sqlite`. */
export function defaultOutboxFile(dataDir: string): string {
  return join(dataDir, 'gateway-outbox.sqlite');
}

export interface SqliteOutboxOptions {
  /** The outbox's SQLite file; created (with its directory) when missing. One gateway process per file. */
  file: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL,
    appended_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );
  CREATE TABLE IF NOT EXISTS outbox_parked (
    seq INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    appended_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    reason TEXT NOT NULL,
    parked_at INTEGER NOT NULL
  );
`;

interface EntryRow {
  seq: number;
  event: string;
  appended_at: number;
  attempts: number;
  last_error: string | null;
}

interface ParkedRow extends EntryRow {
  reason: string;
  parked_at: number;
}

function entryOf(row: EntryRow): OutboxEntry {
  return {
    seq: row.seq,
    event: JSON.parse(row.event) as EventToPublish,
    appendedAt: row.appended_at,
    attempts: row.attempts,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
  };
}

/**
 * The outbox on a SQLite file of its own. Each call is one transaction committed before it
 * resolves, in WAL mode with `synchronous = NORMAL`: an appended event survives `kill -9` (an OS
 * crash or power cut may drop the last commits), and no append waits for an fsync, which would
 * hold up the gateway's event loop. The file is locked exclusively, so two processes can never
 * relay the same entries: a second one fails to start with an error naming the file.
 * AUTOINCREMENT keeps sequence numbers rising even after the outbox empties, so order survives
 * restarts.
 *
 * @example
 * const outbox = createSqliteOutbox({ file: defaultOutboxFile(config.dataDir) });
 * await outbox.start();
 */
export function createSqliteOutbox(options: SqliteOutboxOptions): EventOutbox {
  let db: Database.Database | undefined;
  const statements = new Map<string, Database.Statement>();
  const listeners = new Set<() => void>();

  function statement(sql: string): Database.Statement {
    if (db === undefined) throw new UnavailableError(`The event outbox ${options.file} is not open.`);
    let prepared = statements.get(sql);
    if (prepared === undefined) {
      prepared = db.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Runs `work` in one immediate transaction; a driver failure becomes an UnavailableError naming what failed. */
  function run<T>(what: string, work: () => T): Promise<T> {
    try {
      if (db === undefined) throw new UnavailableError(`The event outbox ${options.file} is not open; cannot ${what}.`);
      return Promise.resolve(db.transaction(work).immediate());
    } catch (error) {
      if (error instanceof HookgateError) return Promise.reject(error);
      return Promise.reject(new UnavailableError(`The event outbox ${options.file} cannot ${what} right now.`, error));
    }
  }

  return {
    async start() {
      if (db !== undefined) return;
      let opened: Database.Database | undefined;
      try {
        mkdirSync(dirname(options.file), { recursive: true });
        // The lock is exclusive, so the only wait is for another process that holds the file: fail soon.
        opened = new Database(options.file, { timeout: 1_000 });
        opened.pragma('locking_mode = EXCLUSIVE');
        opened.pragma('journal_mode = WAL');
        opened.pragma('synchronous = NORMAL');
        // A write, so the exclusive lock is taken now rather than at the first append.
        opened.exec(SCHEMA);
      } catch (error) {
        opened?.close();
        if (error instanceof Database.SqliteError && /BUSY|LOCKED/.test(error.code)) {
          throw new HookgateError('HG_ERR_INTERNAL', `The event outbox ${options.file} is in use by another hookgate process; give each gateway process its own.`, { cause: error });
        }
        throw new UnavailableError(`The event outbox ${options.file} cannot be opened.`, error);
      }
      db = opened;
    },

    async append(event) {
      await run('store an event', () => statement('INSERT INTO outbox (event, appended_at) VALUES (?, ?)').run(JSON.stringify(event), Date.now()));
      for (const listener of listeners) listener();
    },

    oldest(limit) {
      return run('read events', () =>
        (statement('SELECT seq, event, appended_at, attempts, last_error FROM outbox ORDER BY seq LIMIT ?').all(limit) as EntryRow[]).map(entryOf),
      );
    },

    async remove(seq) {
      await run('remove an event', () => statement('DELETE FROM outbox WHERE seq = ?').run(seq));
    },

    async recordFailure(seq, reason) {
      await run('record a failure', () => statement('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?').run(reason, seq));
    },

    async park(seq, reason) {
      await run('park an event', () => {
        statement(
          `INSERT OR IGNORE INTO outbox_parked (seq, event, appended_at, attempts, last_error, reason, parked_at)
           SELECT seq, event, appended_at, attempts, last_error, ?, ? FROM outbox WHERE seq = ?`,
        ).run(reason, Date.now(), seq);
        statement('DELETE FROM outbox WHERE seq = ?').run(seq);
      });
    },

    parked(limit) {
      return run('read parked events', () =>
        (statement('SELECT seq, event, appended_at, attempts, last_error, reason, parked_at FROM outbox_parked ORDER BY seq LIMIT ?').all(limit) as ParkedRow[]).map(
          (row): ParkedEntry => ({ ...entryOf(row), reason: row.reason, parkedAt: row.parked_at }),
        ),
      );
    },

    depth() {
      return run('count events', () => {
        const waiting = (statement('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
        const parked = (statement('SELECT COUNT(*) AS n FROM outbox_parked').get() as { n: number }).n;
        return { waiting, parked };
      });
    },

    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      listeners.clear();
      statements.clear();
      db?.close();
      db = undefined;
    },
  };
}
