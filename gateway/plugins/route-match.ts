import type { Response } from 'express';

/** Where a request matched its gateway route; the pipeline sets it, the proxy reads it (`stripPath`). */
export interface RouteMatch {
  /** The path after the part the route's pattern matched (`/7` of `/api/orders/7`); empty when it matched the whole path. */
  remainingPath: string;
}

/** Kept on `res.locals` beside the request state, so Express's global types stay untouched. */
interface WithRouteMatch {
  gatewayRoute?: RouteMatch;
}

export function setRouteMatch(res: Response, match: RouteMatch): void {
  (res.locals as WithRouteMatch).gatewayRoute = match;
}

export function routeMatch(res: Response): RouteMatch | undefined {
  return (res.locals as WithRouteMatch).gatewayRoute;
}
