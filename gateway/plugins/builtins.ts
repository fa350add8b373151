import { bodyLimitPlugin } from './body-limit/index.js';
import { corsPlugin } from './cors/index.js';
import { emitEventPlugin } from './emit-event/index.js';
import { jwtPlugin } from './jwt/index.js';
import { keyAuthPlugin } from './key-auth/index.js';
import { metricsPlugin } from './metrics/index.js';
import type { GatewayPlugin } from './plugin.js';
import { rateLimitPlugin } from './rate-limit/index.js';
import { PluginRegistry } from './registry.js';
import { requestIdPlugin } from './request-id/index.js';

/**
 * The plugins every config may name. The proxy is not among them: it is every route's last
 * step, configured by the route's `service`, not something a plugin list places.
 */
export const BUILTIN_PLUGINS: readonly GatewayPlugin[] = [
  requestIdPlugin,
  metricsPlugin,
  corsPlugin,
  bodyLimitPlugin,
  jwtPlugin,
  keyAuthPlugin,
  rateLimitPlugin,
  emitEventPlugin,
];

/** @example builtinRegistry().get('jwt')?.configSchema.parse(config) */
export function builtinRegistry(): PluginRegistry {
  return new PluginRegistry(BUILTIN_PLUGINS);
}
