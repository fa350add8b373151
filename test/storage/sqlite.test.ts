import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../shared/ids.js';
import { createLogger } from '../../shared/logger.js';
import { createSqliteStorage } from '../../storage/adapters/sqlite/index.js';
import { migrations } from '../../storage/adapters/sqlite/schema.js';
import type { Storage } from '../../storage/ports/index.js';
import { makeTempDir } from '../support/temp-dir.js';
import { describeStorageContract } from './storage-contract.js';

const logger = createLogger('silent');

describeStorageContract('SQLite', async () => {
  const dir = makeTempDir('sqlite-storage');
  const storage = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite'), logger });
  await storage.start();
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      dir.remove();
    },
  };
});

describe('SQLite storage file', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let file: string;
  let storage: Storage;

  beforeEach(async () => {
    dir = makeTempDir('sqlite-file');
    file = join(dir.path, 'hookgate.sqlite');
    storage = createSqliteStorage({ file, logger });
    await storage.start();
  });

  afterEach(async () => {
    await storage.close();
    dir.remove();
  });

  function migrationRows(): { version: number; name: string }[] {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
    } finally {
      db.close();
    }
  }

  it('keeps what was written across close and reopen of the same file', async () => {
    const app = { id: newId('app'), name: 'shop', createdAt: '2026-03-01T10:00:00.000Z' };
    await storage.apps.create(app);
    const event = { id: newId('event'), appId: app.id, type: 'order.paid', data: { n: 1 }, occurredAt: app.createdAt, receivedAt: app.createdAt };
    await storage.events.insert({ ...event, idempotencyKey: 'k' }, 86_400_000);
    await storage.events.markQueued(event.id);
    await storage.close();

    const reopened = createSqliteStorage({ file, logger });
    await reopened.start();
    try {
      expect(await reopened.apps.get(app.id)).toEqual(app);
      const repeat = await reopened.events.insert({ ...event, id: newId('event'), idempotencyKey: 'k' }, 86_400_000);
      expect(repeat).toMatchObject({ created: false, queued: true, event: { id: event.id, data: { n: 1 } } });
    } finally {
      await reopened.close();
    }
  });

  it('applies each migration once: reopening and restarting leave one row per version', async () => {
    await storage.start();
    await storage.close();
    const reopened = createSqliteStorage({ file, logger });
    await reopened.start();
    await reopened.close();
    await storage.start();

    expect(migrationRows()).toEqual(migrations.map((migration) => ({ version: migration.version, name: migration.name })));
  });

  it('refuses a file migrated by a newer hookgate instead of running on an unknown schema', async () => {
    await storage.close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(9999, 'from the future', new Date().toISOString());
    db.close();

    const older = createSqliteStorage({ file, logger });
    await expect(older.start()).rejects.toThrow(/newer/);
    expect(await older.ping()).toBe(false);
  });

  it('reports unavailable after close, and works again after start', async () => {
    await storage.close();
    expect(await storage.ping()).toBe(false);
    await expect(storage.apps.get(newId('app'))).rejects.toMatchObject({ code: 'HG_ERR_UNAVAILABLE' });
    await storage.start();
    expect(await storage.ping()).toBe(true);
  });

  it('answers unavailable, not a driver error, while another connection holds the write lock', async () => {
    const patient = createSqliteStorage({ file, logger, busyTimeoutMs: 50 });
    await patient.start();
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const app = { id: newId('app'), name: 'blocked', createdAt: '2026-03-01T10:00:00.000Z' };
      await expect(patient.apps.create(app)).rejects.toMatchObject({ code: 'HG_ERR_UNAVAILABLE' });
      holder.exec('ROLLBACK');
      await patient.apps.create(app);
      expect(await storage.apps.get(app.id)).toEqual(app);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      await patient.close();
    }
  });

  it('opens the file in WAL mode with foreign keys enforced', async () => {
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    // A foreign key violation surfaces as a conflict, not a driver error.
    await expect(
      storage.subscriptions.create(
        { id: newId('subscription'), appId: newId('app'), url: 'https://x.example', events: ['#'], enabled: true, createdAt: 'x', updatedAt: 'x' },
        { current: 'enc' },
      ),
    ).rejects.toMatchObject({ code: 'HG_ERR_CONFLICT' });
  });
});

describe('SQLite storage across connections', () => {
  it('gives one event per idempotency key when several connections insert the same keys at once', async () => {
    const dir = makeTempDir('sqlite-race');
    const file = join(dir.path, 'hookgate.sqlite');
    const storage = createSqliteStorage({ file, logger });
    await storage.start();
    try {
      const app = { id: newId('app'), name: 'racer', createdAt: new Date().toISOString() };
      await storage.apps.create(app);
      const keys = Array.from({ length: 200 }, (_, index) => `key-${index}`);
      const workers = 3;
      const barrier = new SharedArrayBuffer(4);
      const created = await Promise.all(
        Array.from({ length: workers }, () =>
          runWorker(new URL('./concurrent-insert-worker.ts', import.meta.url), { file, appId: app.id, keys, barrier, workers }),
        ),
      );

      expect(created.flat()).toHaveLength(keys.length);
      const stored = await storage.events.list(app.id, {}, { limit: 1000 });
      expect(stored.data).toHaveLength(keys.length);
      expect(new Set(stored.data.map((event) => event.idempotencyKey)).size).toBe(keys.length);
    } finally {
      await storage.close();
      dir.remove();
    }
  });
});

/** Runs a TypeScript worker: the worker registers the tsx loader, then imports the entry. */
function runWorker(url: URL, workerData: unknown): Promise<string[]> {
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, { eval: true, workerData });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`insert worker exited with ${code}`));
    });
  });
}
