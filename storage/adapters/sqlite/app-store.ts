import type { App } from '../../../shared/types.js';
import type { AppStore } from '../../ports/index.js';
import type { SqliteHandle } from './database.js';
import { pageQuery, toPage, Where } from './rows.js';

interface AppRow {
  id: string;
  name: string;
  created_at: string;
}

function toApp(row: AppRow): App {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/** Apps on SQLite. Deleting one cascades, through foreign keys, to everything it owns. */
export function createSqliteAppStore(handle: SqliteHandle): AppStore {
  return {
    create(app) {
      return handle.run('create app', () => {
        handle.statement('INSERT INTO apps (id, name, created_at) VALUES (?, ?, ?)').run(app.id, app.name, app.createdAt);
      });
    },

    get(id) {
      return handle.run('read app', () => {
        const row = handle.statement('SELECT * FROM apps WHERE id = ?').get(id) as AppRow | undefined;
        return row ? toApp(row) : null;
      });
    },

    list(page) {
      return handle.run('list apps', () => {
        const { clause, params } = pageQuery(new Where(), page);
        const rows = handle.statement(`SELECT * FROM apps ${clause}`).all(...params) as AppRow[];
        return toPage(rows, page, toApp);
      });
    },

    delete(id) {
      return handle.run('delete app', () => handle.statement('DELETE FROM apps WHERE id = ?').run(id).changes > 0);
    },
  };
}
