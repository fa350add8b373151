import type { ApiKey } from '../../../shared/types.js';
import type { ApiKeyStore } from '../../ports/index.js';
import type { SqliteHandle } from './database.js';

interface ApiKeyRow {
  id: string;
  app_id: string;
  prefix: string;
  created_at: string;
}

const COLUMNS = 'id, app_id, prefix, created_at';

function toApiKey(row: ApiKeyRow): ApiKey {
  return { id: row.id, appId: row.app_id, prefix: row.prefix, createdAt: row.created_at };
}

/** API keys on SQLite: only the keyed hash is stored, and it is never read back out. */
export function createSqliteApiKeyStore(handle: SqliteHandle): ApiKeyStore {
  return {
    create(key) {
      return handle.run('create API key', () => {
        handle
          .statement('INSERT INTO api_keys (id, app_id, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(key.id, key.appId, key.prefix, key.hash, key.createdAt);
      });
    },

    findByHash(hash) {
      return handle.run('find API key', () => {
        const row = handle.statement(`SELECT ${COLUMNS} FROM api_keys WHERE hash = ?`).get(hash) as ApiKeyRow | undefined;
        return row ? toApiKey(row) : null;
      });
    },

    list(appId) {
      return handle.run('list API keys', () => {
        const rows = handle.statement(`SELECT ${COLUMNS} FROM api_keys WHERE app_id = ? ORDER BY id`).all(appId) as ApiKeyRow[];
        return rows.map(toApiKey);
      });
    },

    delete(appId, keyId) {
      return handle.run('delete API key', () => handle.statement('DELETE FROM api_keys WHERE id = ? AND app_id = ?').run(keyId, appId).changes > 0);
    },
  };
}
