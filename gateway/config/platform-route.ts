import type { GatewayFile } from './schema.js';

/** The service name a route uses to end in the platform's own `/v1` API instead of a proxy. Reserved. */
export const PLATFORM_SERVICE = 'hookgate';

/** The route the gateway adds for the `/v1` API when the file routes nothing to `service: hookgate`. */
export const PLATFORM_ROUTE_NAME = 'platform-api';

export interface PlatformRouteOptions {
  /** The default `/v1` budget per app and for the operator (`HOOKGATE_API_RATE_LIMIT` / `_WINDOW`). */
  rateLimit: { limit: number; windowMs: number };
  /** Count in Redis, shared by every gateway replica (set when `HOOKGATE_REDIS_URL` is). */
  sharedRateLimit: boolean;
}

type Route = GatewayFile['routes'][number];

/**
 * The file with the `/v1` API routed: unchanged when a route already ends in `service: hookgate`
 * (the operator chose its plugins); otherwise with a last route serving `/v1` through request-id
 * and metrics (unless the global plugins run them already), key-auth accepting app keys and the
 * operator's token, and the default rate limit per app.
 */
export function withPlatformRoute(file: GatewayFile, options: PlatformRouteOptions): GatewayFile {
  if (file.routes.some((route) => route.service === PLATFORM_SERVICE)) return file;
  const global = new Set(file.plugins.map((plugin) => plugin.name));
  const observing = ['request-id', 'metrics'].filter((name) => !global.has(name)).map((name) => ({ name }));
  const route: Route = {
    name: PLATFORM_ROUTE_NAME,
    service: PLATFORM_SERVICE,
    paths: ['/v1'],
    stripPath: false,
    pathRewrite: [],
    plugins: [
      ...observing,
      { name: 'key-auth', config: { operator: true } },
      {
        name: 'rate-limit',
        config: { by: 'app', ...options.rateLimit, store: options.sharedRateLimit ? 'redis' : 'local', policy: 'api' },
      },
    ],
  };
  return { ...file, routes: [...file.routes, route] };
}
