import {
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { ConflictError, HookgateError, UnavailableError } from '../../../shared/errors/index.js';

const DUPLICATE_KEY = 11000;

/**
 * Server error codes that mean "not now": shutdown, failover, elections, time limits, network
 * trouble between the server and its peers. A later retry may well succeed.
 */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * True for a duplicate key error (11000), on `indexName` when given. The index is read from
 * the server's message ("... index: <name> dup key: ..."), whose form has been stable since
 * MongoDB 3.0 and is the one place every server version names it.
 */
export function isDuplicateKey(error: unknown, indexName?: string): boolean {
  if (!(error instanceof MongoServerError) || error.code !== DUPLICATE_KEY) return false;
  return indexName === undefined || error.message.includes(`index: ${indexName} dup key`);
}

function isTransient(error: MongoError): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoClientClosedError ||
    error instanceof MongoOperationTimeoutError ||
    error.hasErrorLabel('RetryableWriteError') ||
    error.hasErrorLabel('TransientTransactionError') ||
    TRANSIENT_CODES.has(Number(error.code))
  );
}

/**
 * Turns a MongoDB driver failure into the shared error types, so no driver error leaves the
 * adapter. `what` names the operation for the message (e.g. "create subscription").
 */
export function translateMongoError(error: unknown, what: string): unknown {
  if (error instanceof HookgateError || !(error instanceof MongoError)) return error;
  if (isDuplicateKey(error)) {
    const conflict = new ConflictError(`Cannot ${what}: a record with the same identity already exists.`);
    Object.defineProperty(conflict, 'cause', { value: error, enumerable: false, configurable: true, writable: true });
    return conflict;
  }
  if (isTransient(error)) return new UnavailableError(`MongoDB cannot ${what} right now (${error.name}); retry later.`, error);
  return new HookgateError('HG_ERR_INTERNAL', `MongoDB failed to ${what} (${error.name}${error.code !== undefined ? ` ${error.code}` : ''}).`, {
    cause: error,
  });
}
