import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { MongoClient } from 'mongodb';
import {
  CongoDuplicateKeyError,
  CongoServer,
  IndexEngine,
  MemoryStorageAdapter,
  ObjectId,
  QueryEngine,
} from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { AdminHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/AdminHandler.js';
import { HelloHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/HelloHandler.js';

/**
 * MongoDB for tests. No `mongod` runs on this machine, so the MongoDB tests talk to CongoDB, a
 * wire-protocol server inside `@push.rocks/smartmongo` that runs in this process, unless
 * `HOOKGATE_TEST_MONGODB_URL` names a real server: then every MongoDB test runs against that.
 *
 * The adapters are written as idiomatic MongoDB, so CongoDB is patched here, at run time and
 * in this file only, where it falls short of what they rely on:
 *
 * 1. `_id` of any BSON type. CongoDB turns every `_id` into an ObjectId (a string is an error)
 *    and keys its collections by ObjectId hex; we key by the `_id` value itself.
 * 2. Unique indexes. CongoDB enforces only `_id`; we check every unique index on insert and
 *    update, with MongoDB's rules: a partial index covers only the documents its filter
 *    matches, an array field is indexed per element (across documents, not within one), and
 *    a violation is error 11000 with MongoDB's "index: <name> dup key" message.
 * 3. Index metadata in one place. CongoDB's IndexEngine keeps its own copy, keyed by ObjectId
 *    hex (it fails on other `_id`s) and without `partialFilterExpression`; its methods now read
 *    and write the storage adapter's copy, which (2) and (4) use.
 * 4. TTL expiry. CongoDB accepts `expireAfterSeconds` but never deletes; a sweep every
 *    200 ms deletes expired documents as mongod's TTL monitor does (every 60 s there),
 *    and `collMod` can change an index's `expireAfterSeconds`, which CongoDB acknowledged and
 *    ignored.
 * 5. Polled server monitoring. CongoDB's hello reports a `topologyVersion`, which tells the
 *    driver to stream hello replies (exhaust), but it answers each hello once; the driver takes
 *    that for a broken connection and clears its pool mid-test. Without it the driver polls.
 *
 * Atomicity needs no patch: CongoDB's handlers await only in-memory work, so each command runs
 * to its end within one socket event, before another connection's command starts.
 */

type StoredDocument = Record<string, unknown> & { _id: unknown };

interface IndexSpec {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Record<string, unknown>;
}

/** MemoryStorageAdapter's private state and the methods replaced below. */
interface StorageInternals {
  databases: Map<string, Map<string, Map<string, StoredDocument>>>;
  indexes: Map<string, Map<string, IndexSpec[]>>;
  ensureCollection(dbName: string, collName: string): Map<string, StoredDocument>;
  getIndexes(dbName: string, collName: string): Promise<IndexSpec[]>;
  saveIndex(dbName: string, collName: string, name: string, spec: Omit<IndexSpec, 'name'>): Promise<void>;
  dropIndex(dbName: string, collName: string, name: string): Promise<boolean>;
}

interface IndexEngineInternals {
  dbName: string;
  collName: string;
  storage: StorageInternals;
  generateIndexName(key: Record<string, unknown>): string;
}

/** (1) The map key of an `_id`: ObjectIds as CongoDB keys them, anything else by type and value. */
function idKey(id: unknown): string {
  return id instanceof ObjectId ? id.toHexString() : `${typeof id}:${JSON.stringify(id)}`;
}

function valueAt(document: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, part) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), document);
}

/** (2) The index entries of a document: one per element of an array field (multikey). */
function indexEntries(index: IndexSpec, document: StoredDocument): Set<string> {
  let tuples: unknown[][] = [[]];
  for (const path of Object.keys(index.key)) {
    const value = valueAt(document, path) ?? null;
    const values = Array.isArray(value) && value.length > 0 ? value : [value];
    tuples = tuples.flatMap((tuple) => values.map((element) => [...tuple, element]));
  }
  return new Set(tuples.map((tuple) => JSON.stringify(tuple)));
}

function covers(index: IndexSpec, document: StoredDocument): boolean {
  if (index.partialFilterExpression && !QueryEngine.matches(document, index.partialFilterExpression)) return false;
  return !index.sparse || Object.keys(index.key).some((path) => valueAt(document, path) !== undefined);
}

/** (2) Throws 11000 when `document` would share an entry of a unique index with another document. */
function assertUnique(storage: StorageInternals, dbName: string, collName: string, document: StoredDocument): void {
  const collection = storage.ensureCollection(dbName, collName);
  const self = idKey(document._id);
  for (const index of storage.indexes.get(dbName)?.get(collName) ?? []) {
    if (!index.unique || index.name === '_id_' || !covers(index, document)) continue;
    const entries = indexEntries(index, document);
    for (const [key, other] of collection) {
      if (key === self || !covers(index, other)) continue;
      const clash = [...indexEntries(index, other)].find((entry) => entries.has(entry));
      if (clash !== undefined) {
        const values = JSON.parse(clash) as unknown[];
        const keyValue = Object.fromEntries(Object.keys(index.key).map((path, position) => [path, values[position]]));
        throw new CongoDuplicateKeyError(
          `E11000 duplicate key error collection: ${dbName}.${collName} index: ${index.name} dup key: ${JSON.stringify(keyValue)}`,
          index.key as Record<string, 1>,
          keyValue,
        );
      }
    }
  }
}

function patchStorage(): void {
  Object.assign(MemoryStorageAdapter.prototype, {
    async insertOne(this: StorageInternals, dbName: string, collName: string, doc: Record<string, unknown>) {
      const collection = this.ensureCollection(dbName, collName);
      const stored: StoredDocument = { ...doc, _id: doc._id ?? new ObjectId() };
      const key = idKey(stored._id);
      if (collection.has(key)) {
        const keyValue = { _id: stored._id };
        throw new CongoDuplicateKeyError(`E11000 duplicate key error collection: ${dbName}.${collName} index: _id_ dup key: ${JSON.stringify(keyValue)}`, { _id: 1 }, keyValue);
      }
      assertUnique(this, dbName, collName, stored);
      collection.set(key, stored);
      return stored;
    },
    async findById(this: StorageInternals, dbName: string, collName: string, id: unknown) {
      return this.ensureCollection(dbName, collName).get(idKey(id)) ?? null;
    },
    async updateById(this: StorageInternals, dbName: string, collName: string, id: unknown, doc: StoredDocument) {
      const collection = this.ensureCollection(dbName, collName);
      if (!collection.has(idKey(id))) return false;
      assertUnique(this, dbName, collName, doc);
      collection.set(idKey(id), doc);
      return true;
    },
    async deleteById(this: StorageInternals, dbName: string, collName: string, id: unknown) {
      return this.ensureCollection(dbName, collName).delete(idKey(id));
    },
  });
}

/** (3) IndexEngine as a view of the storage adapter's index specs. */
function patchIndexEngine(): void {
  Object.assign(IndexEngine.prototype, {
    async initialize() {},
    async createIndex(this: IndexEngineInternals, key: Record<string, unknown>, options: Omit<IndexSpec, 'name' | 'key'> & { name?: string } = {}) {
      const name = options.name ?? this.generateIndexName(key);
      const existing = await this.storage.getIndexes(this.dbName, this.collName);
      if (!existing.some((index) => index.name === name)) {
        const { unique, sparse, expireAfterSeconds, partialFilterExpression } = options;
        await this.storage.saveIndex(this.dbName, this.collName, name, { key, unique, sparse, expireAfterSeconds, partialFilterExpression });
      }
      return name;
    },
    async listIndexes(this: IndexEngineInternals) {
      return (await this.storage.getIndexes(this.dbName, this.collName)).map((index) => ({ v: 2, ...index }));
    },
    async dropIndex(this: IndexEngineInternals, name: string) {
      if (!(await this.storage.dropIndex(this.dbName, this.collName, name))) throw new Error(`index not found with name [${name}]`);
    },
  });
}

/** (4) `collMod` with `index: {name | keyPattern, expireAfterSeconds}`, the one form the adapters use. */
function patchCollMod(): void {
  Object.assign(AdminHandler.prototype, {
    async handleCollMod({ storage, database, command }: { storage: StorageInternals; database: string; command: Record<string, unknown> }) {
      const change = command.index as { name?: string; keyPattern?: Record<string, unknown>; expireAfterSeconds?: number } | undefined;
      if (change?.expireAfterSeconds === undefined) return { ok: 1 };
      const indexes = await storage.getIndexes(database, String(command.collMod));
      const index = indexes.find((candidate) => candidate.name === change.name || JSON.stringify(candidate.key) === JSON.stringify(change.keyPattern));
      if (index === undefined) return { ok: 0, code: 27, codeName: 'IndexNotFound', errmsg: 'cannot find index for collMod' };
      const old = index.expireAfterSeconds;
      index.expireAfterSeconds = change.expireAfterSeconds;
      return { ok: 1, expireAfterSeconds_old: old, expireAfterSeconds_new: change.expireAfterSeconds };
    },
  });
}

/** (4) Deletes every document whose TTL-indexed date (the earliest, for an array) is older than the index allows. */
function sweepExpired(storage: StorageInternals, now: number): void {
  for (const [dbName, collections] of storage.indexes) {
    for (const [collName, indexes] of collections) {
      const documents = storage.databases.get(dbName)?.get(collName);
      for (const index of indexes) {
        const [field, ...others] = Object.keys(index.key);
        if (index.expireAfterSeconds === undefined || field === undefined || others.length > 0 || documents === undefined) continue;
        const cutoff = now - index.expireAfterSeconds * 1000;
        for (const [key, document] of documents) {
          const value = valueAt(document, field);
          const times = (Array.isArray(value) ? value : [value]).filter((item): item is Date => item instanceof Date).map((date) => date.getTime());
          if (times.length > 0 && Math.min(...times) < cutoff) documents.delete(key);
        }
      }
    }
  }
}

/** (5) Hello without `topologyVersion`, so drivers poll instead of streaming. */
function patchHello(): void {
  const helloOnce = HelloHandler.prototype.handle;
  HelloHandler.prototype.handle = async function helloForPolling(this: HelloHandler, context) {
    const reply = await helloOnce.call(this, context);
    delete reply.topologyVersion;
    return reply;
  };
}

let patched = false;

/** How often expired documents are deleted (mongod: every 60 s); often enough that a test need not wait long. */
const TTL_SWEEP_MS = 200;

function patchCongoDb(): void {
  if (patched) return;
  patched = true;
  patchStorage();
  patchIndexEngine();
  patchCollMod();
  patchHello();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface CongoDb {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a patched CongoDB on a free loopback port, in this process.
 *
 * @example
 * const congo = await startCongoDb();
 * const storage = createMongoStorage({ url: congo.url, dbName: 'test', logger });
 */
export async function startCongoDb(): Promise<CongoDb> {
  patchCongoDb();
  const server = new CongoServer({ host: '127.0.0.1', port: await freePort() });
  await server.start();
  const storage = server.getStorage() as unknown as StorageInternals;
  const sweeper = setInterval(() => sweepExpired(storage, Date.now()), TTL_SWEEP_MS);
  sweeper.unref();
  return {
    url: server.getConnectionUri(),
    async stop() {
      clearInterval(sweeper);
      await server.stop();
    },
  };
}

/** The real server to test against, when one is given. */
export const realMongoUrl = process.env.HOOKGATE_TEST_MONGODB_URL || undefined;

let shared: Promise<CongoDb> | undefined;

/**
 * A MongoDB URL for tests: `HOOKGATE_TEST_MONGODB_URL` when set, otherwise one CongoDB per test
 * process, started on first use (call `stopTestMongo` in `afterAll`).
 */
export async function testMongoUrl(): Promise<string> {
  if (realMongoUrl !== undefined) return realMongoUrl;
  shared ??= startCongoDb();
  return (await shared).url;
}

export async function stopTestMongo(): Promise<void> {
  const started = shared;
  shared = undefined;
  await (await started)?.stop();
}

export interface TestDatabase {
  url: string;
  dbName: string;
  /** Drops the database. */
  drop(): Promise<void>;
}

/**
 * A database of its own for one test, so tests never share state and may run in parallel.
 *
 * @example
 * const db = await testDatabase('storage');
 * const storage = createMongoStorage({ url: db.url, dbName: db.dbName, logger });
 * afterEach(() => db.drop());
 */
export async function testDatabase(label: string): Promise<TestDatabase> {
  const url = await testMongoUrl();
  // MongoDB limits database names to 63 bytes.
  const dbName = `hg_${label.replace(/[^a-z0-9]/gi, '_').slice(0, 30)}_${randomBytes(6).toString('hex')}`;
  return {
    url,
    dbName,
    async drop() {
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
