import { parentPort, workerData } from 'node:worker_threads';
import { newId } from '../../shared/ids.js';
import { createSqliteStorage } from '../../storage/adapters/sqlite/index.js';

/**
 * A second connection to the same SQLite file, in its own thread, for the test of
 * idempotent inserts racing across connections (within one thread better-sqlite3 runs one
 * statement at a time, so only another connection can interleave). Waits on the shared
 * barrier so every worker starts inserting at once, then inserts one event per key.
 */
interface InsertWorkerData {
  file: string;
  appId: string;
  keys: string[];
  barrier: SharedArrayBuffer;
  workers: number;
}

const { file, appId, keys, barrier, workers } = workerData as InsertWorkerData;
const storage = createSqliteStorage({ file });
await storage.start();
const arrived = new Int32Array(barrier);
Atomics.add(arrived, 0, 1);
Atomics.notify(arrived, 0);
while (Atomics.load(arrived, 0) < workers) Atomics.wait(arrived, 0, Atomics.load(arrived, 0), 50);

const created: string[] = [];
for (const key of keys) {
  const now = new Date().toISOString();
  const result = await storage.events.insert(
    { id: newId('event'), appId, type: 'race.test', data: { key }, occurredAt: now, receivedAt: now, idempotencyKey: key },
    86_400_000,
  );
  if (result.created) created.push(result.event.id);
}
await storage.close();
parentPort?.postMessage(created);
