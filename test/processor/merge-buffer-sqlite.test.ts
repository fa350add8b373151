import { join } from 'node:path';
import { createSqliteMergeBuffer } from '../../processor/adapters/sqlite-merge-buffer.js';
import { makeTempDir } from '../support/temp-dir.js';
import { describeMergeBufferContract } from './merge-buffer-contract.js';

describeMergeBufferContract('SQLite', async () => {
  const dir = makeTempDir('merge-buffer');
  const file = join(dir.path, 'merge.sqlite');
  return { open: () => createSqliteMergeBuffer({ file }), cleanup: async () => dir.remove() };
});
