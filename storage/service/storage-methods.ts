import type { Storage } from '../ports/index.js';

/**
 * The port methods the storage service serves over its internal HTTP API, per aggregate.
 * Both the service and the HTTP adapter read this list, so they cannot disagree on what exists.
 */
export const STORAGE_METHODS = {
  apps: ['create', 'get', 'list', 'delete'],
  apiKeys: ['create', 'findByHash', 'list', 'delete'],
  subscriptions: ['create', 'get', 'list', 'listEnabled', 'update', 'delete', 'recordOutcome', 'getSecrets', 'setSecrets'],
  events: ['insert', 'markQueued', 'get', 'list'],
  deliveries: ['recordScheduled', 'recordAttempt', 'markRetrying', 'get', 'list'],
} as const satisfies { [A in Aggregate]: readonly (keyof Storage[A])[] };

export type Aggregate = 'apps' | 'apiKeys' | 'subscriptions' | 'events' | 'deliveries';

export function isStorageMethod(aggregate: string, method: string): aggregate is Aggregate {
  const methods = (STORAGE_METHODS as Record<string, readonly string[]>)[aggregate];
  return methods !== undefined && methods.includes(method);
}
