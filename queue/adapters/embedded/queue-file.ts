import Database from 'better-sqlite3';
import { HookgateError, UnavailableError } from '../../../shared/errors/index.js';

/** A message row as the queue file holds it. */
export interface QueuedRow {
  seq: number;
  id: string;
  queue: string;
  body: string;
  delivery_count: number;
}

export interface DeadRow {
  id: string;
  body: string;
  reason: string;
  dead_at: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    available_at INTEGER NOT NULL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    in_hand INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, in_hand, available_at, seq);
  CREATE TABLE IF NOT EXISTS dead_letters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    reason TEXT NOT NULL,
    dead_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS dead_letters_by_queue ON dead_letters (queue, seq);
`;

function unavailable(what: string, error: unknown): UnavailableError {
  const code = error instanceof Database.SqliteError ? ` (${error.code})` : '';
  return new UnavailableError(`The embedded queue cannot ${what} right now${code}; retry later.`, error);
}

/**
 * The embedded queue's one SQLite file. Every write commits before it returns (WAL,
 * `synchronous = NORMAL`): a committed message survives `kill -9` of the process; only an
 * OS crash or power cut may drop the last commits. The file is opened in exclusive locking
 * mode, so a second process on the same data dir fails at start instead of sharing messages.
 */
export class QueueFile {
  #db: Database.Database | undefined;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(readonly file: string) {}

  get isOpen(): boolean {
    return this.#db !== undefined;
  }

  /**
   * Opens the file and hands every message that was in hand when the last process stopped
   * back to the queue: a handler that never settled must run again.
   */
  open(): void {
    if (this.#db) return;
    let db: Database.Database | undefined;
    try {
      db = new Database(this.file);
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      db.exec('UPDATE messages SET in_hand = 0 WHERE in_hand = 1');
    } catch (error) {
      db?.close();
      if (error instanceof Database.SqliteError && /BUSY|LOCKED/.test(error.code)) {
        throw new HookgateError('HG_ERR_INTERNAL', `The embedded queue ${this.file} is in use by another hookgate process.`, { cause: error });
      }
      throw unavailable(`open ${this.file}`, error);
    }
    this.#db = db;
  }

  close(): void {
    this.#statements.clear();
    this.#db?.close();
    this.#db = undefined;
  }

  insert(queue: string, id: string, body: string, availableAt: number): void {
    this.#run('store a message', 'INSERT INTO messages (id, queue, body, available_at) VALUES (?, ?, ?, ?)', id, queue, body, availableAt);
  }

  /** Marks up to `limit` due messages of the queue as in hand, counting this delivery, and returns them oldest first. */
  claim(queue: string, now: number, limit: number): QueuedRow[] {
    return this.#write('hand out messages', () => {
      const rows = this.#statement(
        `SELECT seq, id, queue, body, delivery_count FROM messages
         WHERE queue = ? AND in_hand = 0 AND available_at <= ? ORDER BY available_at, seq LIMIT ?`,
      ).all(queue, now, limit) as QueuedRow[];
      const mark = this.#statement('UPDATE messages SET in_hand = 1, delivery_count = delivery_count + 1 WHERE seq = ?');
      for (const row of rows) {
        mark.run(row.seq);
        row.delivery_count += 1;
      }
      return rows;
    });
  }

  /** When the earliest message of the queue not in hand becomes due, or undefined when there is none. */
  nextDueAt(queue: string): number | undefined {
    const row = this.#statement('SELECT MIN(available_at) AS due FROM messages WHERE queue = ? AND in_hand = 0').get(queue) as {
      due: number | null;
    };
    return row.due ?? undefined;
  }

  /** When the longest-waiting message of the queue that is due at `now` and not in hand became due, or undefined when none waits. */
  oldestDueAt(queue: string, now: number): number | undefined {
    const row = this.#statement('SELECT MIN(available_at) AS due FROM messages WHERE queue = ? AND in_hand = 0 AND available_at <= ?').get(queue, now) as {
      due: number | null;
    };
    return row.due ?? undefined;
  }

  acknowledge(seq: number): void {
    this.#run('acknowledge a message', 'DELETE FROM messages WHERE seq = ?', seq);
  }

  /** Puts a message in hand back into its queue, due at `availableAt`. */
  release(seq: number, availableAt: number): void {
    this.#run('schedule a redelivery', 'UPDATE messages SET in_hand = 0, available_at = ? WHERE seq = ?', availableAt, seq);
  }

  /** Moves a message to the dead letters, in one transaction. */
  bury(row: QueuedRow, reason: string, at: string): void {
    this.#write('dead-letter a message', () => {
      this.#statement('INSERT INTO dead_letters (id, queue, body, reason, dead_at) VALUES (?, ?, ?, ?, ?)').run(row.id, row.queue, row.body, reason, at);
      this.#statement('DELETE FROM messages WHERE seq = ?').run(row.seq);
    });
  }

  /** Messages waiting, ready or delayed; those in a handler's hands are not waiting (RabbitMQ's "ready" count agrees). */
  depth(queue: string): number {
    return (this.#statement('SELECT COUNT(*) AS n FROM messages WHERE queue = ? AND in_hand = 0').get(queue) as { n: number }).n;
  }

  deadLetters(queue: string, limit: number): DeadRow[] {
    return this.#statement('SELECT id, body, reason, dead_at FROM dead_letters WHERE queue = ? ORDER BY seq LIMIT ?').all(queue, limit) as DeadRow[];
  }

  #database(): Database.Database {
    if (this.#db === undefined) throw new UnavailableError('The embedded queue is closed.');
    return this.#db;
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#database().prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** One statement: atomic on its own, so no explicit transaction (and its two extra round trips). */
  #run(what: string, sql: string, ...params: unknown[]): void {
    try {
      this.#statement(sql).run(...params);
    } catch (error) {
      if (error instanceof HookgateError) throw error;
      throw unavailable(what, error);
    }
  }

  #write<T>(what: string, work: () => T): T {
    try {
      return this.#database().transaction(work).immediate();
    } catch (error) {
      if (error instanceof HookgateError) throw error;
      throw unavailable(what, error);
    }
  }
}
