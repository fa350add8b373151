import type { Response } from 'express';
import type { Logger } from '../shared/logger.js';

/** Who is calling: the operator (admin token) or one app (its API key). */
export type Caller = { kind: 'operator' } | { kind: 'app'; appId: string; keyId: string };

/**
 * What the gateway's middleware learns about a request, kept on `res.locals` so later
 * middleware and the error handler can read it without widening Express's global types.
 */
export interface RequestState {
  requestId: string;
  /** Child of the gateway logger, bound to `requestId`. */
  logger: Logger;
  /** The matched route pattern (`/v1/subscriptions/{id}`); metrics label requests by it, never by raw path. */
  route?: string;
  /** Set once the request was authenticated. */
  caller?: Caller;
}

export function requestState(res: Response): RequestState {
  return res.locals as RequestState;
}
