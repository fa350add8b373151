import type { RequestHandler } from 'express';
import { HookgateError, UnauthorizedError } from '../../shared/errors/index.js';
import { API_KEY_PREFIX, type KeyHasher } from '../../shared/security/key-hash.js';
import type { ApiKeyStore } from '../../storage/ports/index.js';
import { requestState, type Caller } from '../request-state.js';

/** Who may call a route: nobody needs to prove anything, any valid credential, or the operator only. */
export type RouteAccess = 'public' | 'caller' | 'operator';

export interface AuthenticatorOptions {
  apiKeys: ApiKeyStore;
  keyHasher: KeyHasher;
  /** Verifies the operator's token in constant time. */
  isAdminToken: (token: string) => boolean;
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * Builds the authentication middleware: `Authorization: Bearer <token>`, where a token starting
 * `hg_` is an app API key (looked up by its keyed hash) and anything else must be the operator's
 * token. The resolved caller lands in the request state; an app key on an operator-only route is 403.
 *
 * @example router.post('/v1/apps', authenticator('operator'), handler)
 */
export function createAuthenticator(options: AuthenticatorOptions): (access: Exclude<RouteAccess, 'public'>) => RequestHandler {
  async function identify(header: string | undefined): Promise<Caller> {
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) throw new UnauthorizedError();
    if (token.startsWith(API_KEY_PREFIX)) {
      const key = await options.apiKeys.findByHash(options.keyHasher.hash(token));
      if (key === null) throw new UnauthorizedError('The API key is not valid (revoked, or never issued).');
      return { kind: 'app', appId: key.appId, keyId: key.id };
    }
    if (options.isAdminToken(token)) return { kind: 'operator' };
    throw new UnauthorizedError('The bearer token is not valid.');
  }

  return function authenticator(access) {
    return async function authenticate(req, res, next) {
      const caller = await identify(req.get('authorization'));
      requestState(res).caller = caller;
      if (access === 'operator' && caller.kind !== 'operator') {
        throw new HookgateError('HG_ERR_FORBIDDEN', 'Managing apps and their keys needs the operator token.');
      }
      next();
    };
  };
}
