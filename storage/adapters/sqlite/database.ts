import Database from 'better-sqlite3';
import { UnavailableError } from '../../../shared/errors/index.js';
import { translateSqliteError } from './sqlite-errors.js';

type SqliteDatabase = Database.Database;
type SqliteStatement = Database.Statement;

/** How long a write waits for another connection's lock before SQLITE_BUSY, by default. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the file with the settings every connection needs: WAL so readers never block the
 * writer; `synchronous = NORMAL`, which in WAL mode loses nothing when the process crashes
 * (only an OS crash or power cut may drop the last commits); foreign keys on, since SQLite
 * leaves them off per connection; and a busy timeout so a second connection waits instead of
 * failing at once.
 */
export function openDatabase(file: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    return db;
  } catch (error) {
    db?.close();
    throw translateSqliteError(error, `open ${file}`);
  }
}

/**
 * The open connection shared by the stores of one adapter, with its prepared statements.
 * Stores are built before `start()` opens the file, so they reach the connection through
 * this handle rather than holding it.
 */
export class SqliteHandle {
  private db: SqliteDatabase | undefined;
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(
    readonly file: string,
    private readonly busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
  ) {}

  get isOpen(): boolean {
    return this.db !== undefined;
  }

  open(): SqliteDatabase {
    this.db ??= openDatabase(this.file, this.busyTimeoutMs);
    return this.db;
  }

  close(): void {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  /** The connection; UnavailableError before `start()` or after `close()`. */
  database(): SqliteDatabase {
    if (this.db === undefined) throw new UnavailableError('The SQLite store is not open; call start() first.');
    return this.db;
  }

  /** A prepared statement, compiled once per connection. */
  statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.database().prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `work` inside one IMMEDIATE transaction (the write lock is taken before the first
   * read, so a read-then-write cannot interleave with another connection's), translating
   * driver errors. `what` names the operation in error messages.
   */
  transaction<T>(what: string, work: () => T): Promise<T> {
    return this.settle(what, () => this.database().transaction(work).immediate());
  }

  /** Runs a read or a single-statement write (atomic by itself), translating driver errors. */
  run<T>(what: string, work: () => T): Promise<T> {
    return this.settle(what, work);
  }

  private settle<T>(what: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(translateSqliteError(error, what));
    }
  }
}
