import type { Request, RequestHandler } from 'express';
import { routeMatch } from '../route-match.js';
import type { ServiceProxy } from './service-proxy.js';

export { ServiceProxies, type ServiceProxy, type ServiceTarget } from './service-proxy.js';

/** One path rewrite: the first rule whose pattern matches replaces that match (`$1` works). */
export interface PathRewriteRule {
  pattern: RegExp;
  replacement: string;
}

export interface RouteProxyOptions {
  /** Send the path without the part the route's pattern matched. */
  stripPath: boolean;
  pathRewrite: readonly PathRewriteRule[];
}

/** The upstream path: the route's match (stripped or not), then the first matching rewrite rule, then the query. */
function upstreamPath(req: Request, options: RouteProxyOptions): string {
  const match = req.res === undefined ? undefined : routeMatch(req.res);
  let path = options.stripPath && match !== undefined ? match.remainingPath : req.path;
  const rule = options.pathRewrite.find((candidate) => candidate.pattern.test(path));
  if (rule !== undefined) path = path.replace(rule.pattern, rule.replacement);
  const query = req.url.indexOf('?');
  return query === -1 ? path : path + req.url.slice(query);
}

/**
 * The last step of a route with a service: the route's path handling (`stripPath`,
 * `pathRewrite`) in front of the service's proxy (see `createServiceProxy`: streaming, time-outs,
 * 502/504 problem+json).
 *
 * @example router.use(createProxy({ stripPath: true, pathRewrite: [] }, proxies.get({ name: 'orders', url, connectTimeoutMs: 2000, timeoutMs: 10000 })))
 */
export function createProxy(options: RouteProxyOptions, service: ServiceProxy): RequestHandler {
  return function proxyToService(req, res, next) {
    service(req, res, next, upstreamPath(req, options));
  };
}
