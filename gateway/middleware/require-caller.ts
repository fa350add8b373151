import type { RequestHandler } from 'express';
import { HookgateError, UnauthorizedError } from '../../shared/errors/index.js';
import { requestState } from '../request-state.js';

/** Who may call a route: nobody needs to prove anything, any valid credential, or the operator only. */
export type RouteAccess = 'public' | 'caller' | 'operator';

/**
 * Checks the caller that the route's authenticating plugin (key-auth, jwt) put in the request
 * state: none is 401, and an app on an operator-only route is 403. The `/v1` API authorises
 * with it; authenticating is the plugins' job, so every way in is configured in one place.
 *
 * @example router.post('/v1/apps', requireCaller('operator'), handler)
 */
export function requireCaller(access: Exclude<RouteAccess, 'public'>): RequestHandler {
  return function authorize(_req, res, next) {
    const caller = requestState(res).caller;
    if (caller === undefined) throw new UnauthorizedError();
    if (access === 'operator' && caller.kind !== 'operator') {
      throw new HookgateError('HG_ERR_FORBIDDEN', 'Managing apps and their keys needs the operator token.');
    }
    next();
  };
}
