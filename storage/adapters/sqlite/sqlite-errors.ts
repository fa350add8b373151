import Database from 'better-sqlite3';
import { ConflictError, HookgateError, UnavailableError } from '../../../shared/errors/index.js';

/**
 * Turns a better-sqlite3 failure into the shared error types, so no driver error leaves the
 * adapter. `what` names the operation for the message (e.g. "insert subscription").
 */
export function translateSqliteError(error: unknown, what: string): unknown {
  if (error instanceof HookgateError) return error;
  if (error instanceof Database.SqliteError) {
    const code = error.code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return withCause(new ConflictError(`Cannot ${what}: a record with the same identity already exists.`), error);
    }
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      return withCause(new ConflictError(`Cannot ${what}: it refers to a record that does not exist (was its app deleted?).`), error);
    }
    // Busy and locked outlast busy_timeout only under heavy contention; disk and I/O trouble
    // may clear too. Either way the caller should back off and retry, not report a bug.
    if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL)/.test(code)) {
      return new UnavailableError(`The SQLite store cannot ${what} right now (${code}); retry later.`, error);
    }
    return new HookgateError('HG_ERR_INTERNAL', `The SQLite store failed to ${what} (${code}).`, { cause: error });
  }
  // better-sqlite3 throws a TypeError once the connection is closed.
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new UnavailableError(`The SQLite store is closed; cannot ${what}.`, error);
  }
  return error;
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return error;
}
