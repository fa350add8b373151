import { MongoClient, type Db, type IndexDescriptionInfo } from 'mongodb';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../shared/ids.js';
import { createLogger } from '../../shared/logger.js';
import { createMongoStorage } from '../../storage/adapters/mongodb/index.js';
import { migrate, MIGRATIONS_COLLECTION, type MigrationRecord } from '../../storage/adapters/mongodb/migrator.js';
import { migrations, type MongoMigration } from '../../storage/adapters/mongodb/schema.js';
import type { Storage } from '../../storage/ports/index.js';
import { realMongoUrl, stopTestMongo, testDatabase, type TestDatabase } from '../support/congodb.js';
import { sleep } from './contract/fixtures.js';
import { describeStorageContract } from './storage-contract.js';

const logger = createLogger('silent');
const DAY_SECONDS = 86_400;

afterAll(stopTestMongo);

describeStorageContract(realMongoUrl ? 'MongoDB (HOOKGATE_TEST_MONGODB_URL)' : 'MongoDB (CongoDB)', async () => {
  const database = await testDatabase('contract');
  // The contract's records carry fixed times (fixtures.ts), which a TTL index would expire as they age.
  const storage = createMongoStorage({ url: database.url, dbName: database.dbName, logger, retentionDays: 3650 });
  await storage.start();
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await database.drop();
    },
  };
});

describe('MongoDB storage database', () => {
  let database: TestDatabase;
  let storage: Storage;
  let client: MongoClient;
  let db: Db;

  beforeEach(async () => {
    database = await testDatabase('mongo');
    storage = createMongoStorage({ url: database.url, dbName: database.dbName, logger, retentionDays: 7 });
    await storage.start();
    client = new MongoClient(database.url);
    db = client.db(database.dbName);
  });

  afterEach(async () => {
    await storage.close();
    await client.close();
    await database.drop();
  });

  const anApp = () => ({ id: newId('app'), name: 'shop', createdAt: new Date().toISOString() });

  async function indexesOf(collection: string): Promise<Record<string, IndexDescriptionInfo>> {
    return Object.fromEntries((await db.collection(collection).indexes()).map((index) => [index.name, index]));
  }

  it('records each migration once: restarting and reconnecting leave one record per version', async () => {
    const recorded = await db.collection(MIGRATIONS_COLLECTION).find().sort({ _id: 1 }).toArray();
    await storage.start();
    await storage.close();
    const reopened = createMongoStorage({ url: database.url, dbName: database.dbName, logger, retentionDays: 7 });
    await reopened.start();
    await reopened.close();
    await storage.start();

    const again = await db.collection(MIGRATIONS_COLLECTION).find().sort({ _id: 1 }).toArray();
    expect(again.map((record) => ({ version: record._id, name: record.name }))).toEqual(
      migrations.map((migration) => ({ version: migration.version, name: migration.name })),
    );
    expect(again).toEqual(recorded);
    expect(again[0]?.appliedAt).toBeInstanceOf(Date);
  });

  it('runs each migration once, and later only the ones added since', async () => {
    const runs: number[] = [];
    const counting = (version: number): MongoMigration => ({ version, name: `step ${version}`, up: async () => void runs.push(version) });
    const fresh = client.db(`${database.dbName}_m`);
    try {
      expect(await migrate({ db: fresh, migrations: [counting(1), counting(2)] })).toEqual([1, 2]);
      expect(await migrate({ db: fresh, migrations: [counting(1), counting(2)] })).toEqual([]);
      expect(await migrate({ db: fresh, migrations: [counting(1), counting(2), counting(3)] })).toEqual([3]);
      expect(runs).toEqual([1, 2, 3]);
    } finally {
      await fresh.dropDatabase();
    }
  });

  it('refuses a database migrated by a newer hookgate instead of running on an unknown schema', async () => {
    await storage.close();
    await db.collection<MigrationRecord>(MIGRATIONS_COLLECTION).insertOne({ _id: 9999, name: 'from the future', appliedAt: new Date() });
    const older = createMongoStorage({ url: database.url, dbName: database.dbName, logger });
    await expect(older.start()).rejects.toThrow(/newer/);
    expect(await older.ping()).toBe(false);
  });

  it('has an index for every uniqueness rule and every list query', async () => {
    const keys = async (collection: string) =>
      Object.fromEntries(Object.entries(await indexesOf(collection)).map(([name, index]) => [name, { key: index.key, unique: index.unique ?? false }]));

    expect(await keys('api_keys')).toMatchObject({
      api_keys_by_hash: { key: { hash: 1 }, unique: true },
      api_keys_by_app: { key: { appId: 1, _id: 1 } },
    });
    expect(await keys('subscriptions')).toMatchObject({
      subscriptions_by_app: { key: { appId: 1, _id: 1 } },
      subscriptions_enabled_by_app: { key: { appId: 1, enabled: 1, _id: 1 } },
    });
    expect(await keys('events')).toMatchObject({
      events_by_app: { key: { appId: 1, _id: 1 } },
      events_by_app_type: { key: { appId: 1, type: 1, _id: 1 } },
      events_by_app_received: { key: { appId: 1, receivedDate: 1 } },
      events_idempotency_claim: { key: { appId: 1, idempotencyClaim: 1 }, unique: true },
    });
    expect(await keys('deliveries')).toMatchObject({
      deliveries_by_app: { key: { appId: 1, _id: 1 } },
      deliveries_by_app_subscription: { key: { appId: 1, subscriptionId: 1, _id: 1 } },
      deliveries_by_app_event: { key: { appId: 1, eventId: 1, _id: 1 } },
      deliveries_by_app_status: { key: { appId: 1, status: 1, _id: 1 } },
    });
    expect(await keys('attempts')).toMatchObject({
      attempts_by_delivery: { key: { deliveryId: 1, number: 1 } },
      attempts_by_app: { key: { appId: 1 } },
    });
  });

  it('expires events, deliveries and attempts through TTL indexes set to the retention, and follows a changed retention', async () => {
    const ttl = async () => ({
      events: (await indexesOf('events')).events_retention,
      deliveries: (await indexesOf('deliveries')).deliveries_retention,
      attempts: (await indexesOf('attempts')).attempts_retention,
    });
    expect(await ttl()).toMatchObject({
      events: { key: { receivedDate: 1 }, expireAfterSeconds: 7 * DAY_SECONDS },
      deliveries: { key: { updatedDate: 1 }, expireAfterSeconds: 7 * DAY_SECONDS },
      attempts: { key: { attemptedDate: 1 }, expireAfterSeconds: 7 * DAY_SECONDS },
    });

    await storage.close();
    storage = createMongoStorage({ url: database.url, dbName: database.dbName, logger, retentionDays: 30 });
    await storage.start();
    const changed = await ttl();
    expect([changed.events, changed.deliveries, changed.attempts].map((index) => index?.expireAfterSeconds)).toEqual([
      30 * DAY_SECONDS,
      30 * DAY_SECONDS,
      30 * DAY_SECONDS,
    ]);
  });

  // mongod's TTL monitor runs once a minute; CongoDB's sweep (test/support/congodb.ts) more often.
  it('deletes an event once it is older than the retention', { timeout: 150_000 }, async () => {
    const app = anApp();
    await storage.apps.create(app);
    const old = new Date(Date.now() - 8 * DAY_SECONDS * 1000).toISOString();
    const now = new Date().toISOString();
    const expired = { id: newId('event'), appId: app.id, type: 't', data: {}, occurredAt: old, receivedAt: old };
    const kept = { ...expired, id: newId('event'), occurredAt: now, receivedAt: now };
    await storage.events.insert(expired, 1000);
    await storage.events.insert(kept, 1000);

    const deadline = Date.now() + 130_000;
    while ((await storage.events.get(expired.id, undefined)) !== null && Date.now() < deadline) await sleep(100);
    expect(await storage.events.get(expired.id, undefined)).toBeNull();
    expect(await storage.events.get(kept.id, undefined)).toEqual(kept);
  });

  it('gives one event per idempotency key when several clients insert the same keys at once', async () => {
    const app = anApp();
    await storage.apps.create(app);
    const clients = await Promise.all(
      [0, 1, 2].map(async () => {
        const other = createMongoStorage({ url: database.url, dbName: database.dbName, logger, retentionDays: 7 });
        await other.start();
        return other;
      }),
    );
    try {
      const keys = Array.from({ length: 50 }, (_, index) => `key-${index}`);
      const results = await Promise.all(
        clients.flatMap((other) =>
          keys.map((key) => {
            const now = new Date().toISOString();
            const event = { id: newId('event'), appId: app.id, type: 'race.test', data: { key }, occurredAt: now, receivedAt: now, idempotencyKey: key };
            return other.events.insert(event, 86_400_000);
          }),
        ),
      );
      expect(results.filter((result) => result.created)).toHaveLength(keys.length);
      const stored = await storage.events.list(app.id, {}, { limit: 1000 });
      expect(stored.data).toHaveLength(keys.length);
      for (const result of results) expect(stored.data).toContainEqual(result.event);
    } finally {
      await Promise.all(clients.map((other) => other.close()));
    }
  });

  it('gives a dead delivery back to exactly one of several racing retries', async () => {
    const app = anApp();
    await storage.apps.create(app);
    const now = new Date().toISOString();
    const ref = { id: newId('delivery'), appId: app.id, eventId: newId('event'), subscriptionId: newId('subscription'), createdAt: now };
    const attempt = { id: newId('attempt'), deliveryId: ref.id, number: 1, at: now, statusCode: 500, durationMs: 3, error: null, responseBody: null };
    await storage.deliveries.recordAttempt(ref, attempt, { status: 'dead' });

    const retries = await Promise.all(Array.from({ length: 20 }, () => storage.deliveries.markRetrying(ref.id, app.id, now)));
    expect(retries.filter((retry) => retry !== null)).toHaveLength(1);
  });

  it('refuses records of an app that does not exist, as a conflict', async () => {
    const now = new Date().toISOString();
    const appId = newId('app');
    await expect(
      storage.subscriptions.create({ id: newId('subscription'), appId, url: 'https://x.example', events: ['#'], enabled: true, createdAt: now, updatedAt: now }, { current: 'enc' }),
    ).rejects.toMatchObject({ code: 'HG_ERR_CONFLICT' });
    await expect(storage.events.insert({ id: newId('event'), appId, type: 't', data: {}, occurredAt: now, receivedAt: now }, 1000)).rejects.toMatchObject({
      code: 'HG_ERR_CONFLICT',
    });
  });

  it('reports unavailable after close, and works again after start', async () => {
    await storage.close();
    expect(await storage.ping()).toBe(false);
    await expect(storage.apps.get(newId('app'))).rejects.toMatchObject({ code: 'HG_ERR_UNAVAILABLE' });
    await storage.start();
    expect(await storage.ping()).toBe(true);
  });
});

describe('MongoDB storage without a server', () => {
  it('fails to start as unavailable, not with a driver error', async () => {
    const storage = createMongoStorage({ url: 'mongodb://127.0.0.1:9/hookgate', logger, serverSelectionTimeoutMs: 200 });
    await expect(storage.start()).rejects.toMatchObject({ code: 'HG_ERR_UNAVAILABLE' });
    expect(await storage.ping()).toBe(false);
  });
});
