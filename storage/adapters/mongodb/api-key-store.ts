import type { ApiKey } from '../../../shared/types.js';
import type { ApiKeyStore } from '../../ports/index.js';
import type { MongoHandle } from './connection.js';
import { requireApp } from './documents.js';
import { COLLECTIONS } from './schema.js';

interface ApiKeyDocument {
  _id: string;
  appId: string;
  prefix: string;
  hash: string;
  createdAt: string;
}

/** Everything but the hash, which is matched against and never read back out. */
const LISTED = { projection: { hash: 0 } } as const;

function toApiKey(document: Omit<ApiKeyDocument, 'hash'>): ApiKey {
  return { id: document._id, appId: document.appId, prefix: document.prefix, createdAt: document.createdAt };
}

/** API keys on MongoDB: only the keyed hash is stored, unique across every app. */
export function createMongoApiKeyStore(handle: MongoHandle): ApiKeyStore {
  const keys = () => handle.collection<ApiKeyDocument>(COLLECTIONS.apiKeys);

  return {
    create(key) {
      return handle.run('create API key', async (db) => {
        await requireApp(db, key.appId, 'create API key');
        await keys().insertOne({ _id: key.id, appId: key.appId, prefix: key.prefix, hash: key.hash, createdAt: key.createdAt });
      });
    },

    findByHash(hash) {
      return handle.run('find API key', async () => {
        const document = await keys().findOne({ hash }, LISTED);
        return document ? toApiKey(document) : null;
      });
    },

    list(appId) {
      return handle.run('list API keys', async () => {
        const documents = await keys().find({ appId }, LISTED).sort({ _id: 1 }).toArray();
        return documents.map(toApiKey);
      });
    },

    delete(appId, keyId) {
      return handle.run('delete API key', async () => (await keys().deleteOne({ _id: keyId, appId })).deletedCount > 0);
    },
  };
}
