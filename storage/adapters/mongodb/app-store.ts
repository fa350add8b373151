import type { App } from '../../../shared/types.js';
import type { AppStore } from '../../ports/index.js';
import type { MongoHandle } from './connection.js';
import { findPage } from './documents.js';
import { COLLECTIONS, OWNED_BY_APP } from './schema.js';

interface AppDocument {
  _id: string;
  name: string;
  createdAt: string;
}

function toApp(document: AppDocument): App {
  return { id: document._id, name: document.name, createdAt: document.createdAt };
}

/** Apps on MongoDB. Without foreign keys, deleting one deletes what it owns collection by collection. */
export function createMongoAppStore(handle: MongoHandle): AppStore {
  const apps = () => handle.collection<AppDocument>(COLLECTIONS.apps);

  return {
    create(app) {
      return handle.run('create app', async () => {
        await apps().insertOne({ _id: app.id, name: app.name, createdAt: app.createdAt });
      });
    },

    get(id) {
      return handle.run('read app', async () => {
        const document = await apps().findOne({ _id: id });
        return document ? toApp(document) : null;
      });
    },

    list(page) {
      return handle.run('list apps', () => findPage(apps(), {}, page, toApp));
    },

    // The app goes first, so results that arrive meanwhile are dropped (the delivery store
    // checks for the app), then what it owns. The owned records are deleted even when the app
    // was already gone: calling delete again finishes a deletion that failed half-way.
    delete(id) {
      return handle.run('delete app', async (db) => {
        const { deletedCount } = await apps().deleteOne({ _id: id });
        await Promise.all(OWNED_BY_APP.map((name) => db.collection(name).deleteMany({ appId: id })));
        return deletedCount > 0;
      });
    },
  };
}
