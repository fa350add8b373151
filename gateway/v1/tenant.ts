import { NotFoundError, ValidationError } from '../../shared/errors/index.js';
import type { AppStore, TenantScope } from '../../storage/ports/index.js';
import type { Caller } from '../request-state.js';

/**
 * Which app's data a caller reaches. An app key reaches only its own app (naming another in
 * `?appId=` is "not found", as any other app's resource is); the operator reaches every app,
 * or one when it names it.
 */
export interface TenantResolver {
  /** Reads and actions by id: the app's own data, or everything for the operator. */
  scopeOf(caller: Caller): TenantScope;
  /** Lists, and id routes given `?appId=`: as `scopeOf`, narrowed to the app named (404 for an app key naming another). */
  listScope(caller: Caller, appId: string | undefined): Promise<TenantScope>;
  /** Creates (subscriptions, events): the app they belong to; the operator must name it. */
  ownerAppId(caller: Caller, appId: string | undefined): Promise<string>;
}

export function createTenantResolver(apps: AppStore): TenantResolver {
  async function existingApp(appId: string): Promise<string> {
    if ((await apps.get(appId)) === null) throw new NotFoundError(`App ${appId}`);
    return appId;
  }

  function ownApp(caller: Extract<Caller, { kind: 'app' }>, appId: string | undefined): string {
    if (appId !== undefined && appId !== caller.appId) throw new NotFoundError(`App ${appId}`);
    return caller.appId;
  }

  return {
    scopeOf(caller) {
      return caller.kind === 'app' ? caller.appId : undefined;
    },
    async listScope(caller, appId) {
      if (caller.kind === 'app') return ownApp(caller, appId);
      return appId === undefined ? undefined : existingApp(appId);
    },
    async ownerAppId(caller, appId) {
      if (caller.kind === 'app') return ownApp(caller, appId);
      if (appId === undefined) {
        throw new ValidationError([{ path: 'appId', message: 'the operator token must name the app: add ?appId=app_...' }]);
      }
      return existingApp(appId);
    },
  };
}
