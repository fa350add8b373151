import { afterAll, describe, expect, it } from 'vitest';
import { createMongoMergeBuffer } from '../../processor/adapters/mongodb-merge-buffer.js';
import { UnrecoverableError } from '../../shared/errors/index.js';
import { realMongoUrl, stopTestMongo, testDatabase } from '../support/congodb.js';
import { describeMergeBufferContract } from './merge-buffer-contract.js';

afterAll(stopTestMongo);

describeMergeBufferContract(realMongoUrl ? 'MongoDB (HOOKGATE_TEST_MONGODB_URL)' : 'MongoDB (CongoDB)', async () => {
  const database = await testDatabase('merge');
  return { open: () => createMongoMergeBuffer({ url: database.url, dbName: database.dbName }), cleanup: () => database.drop() };
});

// Issue 11: every failure was "unavailable", so a hold that can never succeed had its event
// redelivered to every subscription of the app. A document MongoDB cannot take is a refusal.
describe('MongoDB merge buffer failures', () => {
  it('reports an event too large for a document as unrecoverable, not unavailable', async () => {
    const database = await testDatabase('merge-refusal');
    const buffer = createMongoMergeBuffer({ url: database.url, dbName: database.dbName });
    await buffer.start();
    try {
      const envelope = { id: 'evt_1', type: 'order.paid', timestamp: '2026-01-01T00:00:00.000Z', data: { blob: 'x'.repeat(17 * 1024 * 1024) } };
      const event = { envelope, receivedAt: '2026-01-01T00:00:00.000Z' };
      const hold = buffer.hold({ holdId: 'evt_1/', subscriptionId: 'sub_1', appId: 'app_1', mergeValue: '"o-1"', windowMs: 1_000, event }, Date.now());
      await expect(hold).rejects.toBeInstanceOf(UnrecoverableError);
    } finally {
      await buffer.stop();
      await database.drop();
    }
  });
});
