import type { Request } from 'express';
import { match } from 'path-to-regexp';
import type { RouteConfig } from '../config/load.js';
import type { RouteMatch } from '../plugins/route-match.js';

export type RouteMatcher = (req: Request) => RouteMatch | undefined;

/** `api.example.com` matches itself; `*.example.com` matches any name below example.com (not example.com). */
function hostMatcher(patterns: readonly string[] | undefined): (host: string) => boolean {
  if (patterns === undefined) return () => true;
  const exact = new Set(patterns.filter((pattern) => !pattern.startsWith('*.')).map((pattern) => pattern.toLowerCase()));
  const suffixes = patterns.filter((pattern) => pattern.startsWith('*.')).map((pattern) => pattern.slice(1).toLowerCase());
  return (host) => {
    const name = host.toLowerCase();
    return exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix) && name.length > suffix.length);
  };
}

/** The method a request asks for; a CORS preflight asks for the one it announces, so it reaches the route serving that. */
function requestedMethod(req: Request): string {
  const announced = req.method === 'OPTIONS' ? req.get('access-control-request-method') : undefined;
  return (announced ?? req.method).toUpperCase();
}

/**
 * Compiles a route's methods, hosts and path patterns into one test. Paths are Express 5
 * patterns matched as prefixes at a `/` boundary (`/api/orders` serves `/api/orders/7`, not
 * `/api/ordersX`), case-sensitively, as the `/v1` API matches its own.
 *
 * @example compileRouteMatcher(route)(req) // { remainingPath: '/7' } for GET /api/orders/7, or undefined
 */
export function compileRouteMatcher(route: RouteConfig): RouteMatcher {
  const methods = route.methods === undefined ? undefined : new Set(route.methods.flatMap((method) => (method === 'GET' ? ['GET', 'HEAD'] : [method])));
  const hostMatches = hostMatcher(route.hosts);
  // No decoding of parameters: it could throw on a bad %-escape, and nothing reads them.
  const paths = route.paths.map((pattern) => match(pattern, { end: false, sensitive: true, decode: false }));
  return (req) => {
    if (methods !== undefined && !methods.has(requestedMethod(req))) return undefined;
    if (!hostMatches(req.hostname ?? '')) return undefined;
    for (const matchPath of paths) {
      const found = matchPath(req.path);
      if (found === false) continue;
      return { remainingPath: req.path.slice(found.path.length) };
    }
    return undefined;
  };
}
