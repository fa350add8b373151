import type { ApiKey } from '../../shared/types.js';

export interface NewApiKey extends ApiKey {
  /** Keyed hash of the whole key (see shared/security/key-hash.ts); the key itself is never stored. */
  hash: string;
}

export interface ApiKeyStore {
  create(key: NewApiKey): Promise<void>;
  /** The key whose hash this is, for authentication. */
  findByHash(hash: string): Promise<ApiKey | null>;
  list(appId: string): Promise<ApiKey[]>;
  /** Returns false when the app has no such key. */
  delete(appId: string, keyId: string): Promise<boolean>;
}
