import { afterAll } from 'vitest';
import { createMongoMergeBuffer } from '../../processor/adapters/mongodb-merge-buffer.js';
import { realMongoUrl, stopTestMongo, testDatabase } from '../support/congodb.js';
import { describeMergeBufferContract } from './merge-buffer-contract.js';

afterAll(stopTestMongo);

describeMergeBufferContract(realMongoUrl ? 'MongoDB (HOOKGATE_TEST_MONGODB_URL)' : 'MongoDB (CongoDB)', async () => {
  const database = await testDatabase('merge');
  return { open: () => createMongoMergeBuffer({ url: database.url, dbName: database.dbName }), cleanup: () => database.drop() };
});
