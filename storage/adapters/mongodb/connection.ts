import { MongoClient, type Collection, type Db, type Document } from 'mongodb';
import { UnavailableError } from '../../../shared/errors/index.js';
import { translateMongoError } from './mongo-errors.js';

/** How long an operation waits for a reachable server before failing as unavailable, by default. */
const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5_000;

export interface MongoConnectionOptions {
  url: string;
  /** Default: the database named in the URL, else `hookgate`. */
  dbName?: string;
  serverSelectionTimeoutMs?: number;
}

/** The database a connection string names (`mongodb://host/<db>?...`), if any. */
function databaseInUrl(url: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(url)?.[1];
  return name === undefined ? undefined : decodeURIComponent(name);
}

/**
 * The client shared by the stores of one adapter. Stores are built before `start()` connects,
 * so they reach the database through this handle rather than holding it; after `close()` they
 * fail as unavailable instead of letting the driver silently reconnect.
 */
export class MongoHandle {
  private client: MongoClient | undefined;
  private db: Db | undefined;
  readonly dbName: string;

  constructor(private readonly options: MongoConnectionOptions) {
    this.dbName = options.dbName ?? databaseInUrl(options.url) ?? 'hookgate';
  }

  get isOpen(): boolean {
    return this.db !== undefined;
  }

  async open(): Promise<Db> {
    if (this.db !== undefined) return this.db;
    const client = new MongoClient(this.options.url, {
      appName: 'hookgate',
      serverSelectionTimeoutMS: this.options.serverSelectionTimeoutMs ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
      // Optional fields are left out of documents rather than stored as null.
      ignoreUndefined: true,
    });
    try {
      await client.connect();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw translateMongoError(error, 'connect');
    }
    this.client = client;
    this.db = client.db(this.dbName);
    return this.db;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.db = undefined;
    await client?.close();
  }

  /** The database; UnavailableError before `start()` or after `close()`. */
  database(): Db {
    if (this.db === undefined) throw new UnavailableError('The MongoDB store is not open; call start() first.');
    return this.db;
  }

  collection<T extends Document>(name: string): Collection<T> {
    return this.database().collection<T>(name);
  }

  /** Runs `work` against the database, translating driver errors. `what` names the operation in error messages. */
  async run<T>(what: string, work: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await work(this.database());
    } catch (error) {
      throw translateMongoError(error, what);
    }
  }
}
