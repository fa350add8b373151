import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteMergeBuffer } from '../../processor/adapters/sqlite-merge-buffer.js';
import { UnavailableError, UnrecoverableError } from '../../shared/errors/index.js';
import { makeTempDir } from '../support/temp-dir.js';
import { describeMergeBufferContract } from './merge-buffer-contract.js';

describeMergeBufferContract('SQLite', async () => {
  const dir = makeTempDir('merge-buffer');
  const file = join(dir.path, 'merge.sqlite');
  return { open: () => createSqliteMergeBuffer({ file }), cleanup: async () => dir.remove() };
});

// Issue 11: every SQLite failure was reported as "unavailable", so a hold that can never
// succeed (NOT NULL constraint failed: merge_windows.merge_value) had its event redelivered to
// every subscription of the app, ten times. Only "not now" failures are unavailable.
describe('SQLite merge buffer failures', () => {
  const request = {
    holdId: 'evt_1/',
    subscriptionId: 'sub_1',
    appId: 'app_1',
    mergeValue: '"o-1"',
    windowMs: 1_000,
    event: { envelope: { id: 'evt_1', type: 'order.paid', timestamp: '2026-01-01T00:00:00.000Z', data: {} }, receivedAt: '2026-01-01T00:00:00.000Z' },
  };

  it('reports a hold the database refuses for its data as unrecoverable, not unavailable', async () => {
    const dir = makeTempDir('merge-buffer');
    const buffer = createSqliteMergeBuffer({ file: join(dir.path, 'merge.sqlite') });
    await buffer.start();
    try {
      const refused = buffer.hold({ ...request, mergeValue: undefined as unknown as string }, Date.now());
      await expect(refused).rejects.toBeInstanceOf(UnrecoverableError);
      await expect(refused).rejects.toThrow(/NOT NULL constraint failed/);
      await expect(buffer.hold(request, Date.now())).resolves.toMatchObject({ count: 1, opened: true });
    } finally {
      await buffer.stop();
      dir.remove();
    }
  });

  it('reports a closed or unwritable database as unavailable', async () => {
    const dir = makeTempDir('merge-buffer');
    const file = join(dir.path, 'merge.sqlite');
    const buffer = createSqliteMergeBuffer({ file });
    await buffer.start();
    const locker = new Database(file);
    locker.pragma('busy_timeout = 0');
    try {
      locker.exec('BEGIN IMMEDIATE');
      await expect(buffer.hold(request, Date.now())).rejects.toBeInstanceOf(UnavailableError);
      locker.exec('ROLLBACK');
      await buffer.stop();
      await expect(buffer.hold(request, Date.now())).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      locker.close();
      dir.remove();
    }
  });
});
