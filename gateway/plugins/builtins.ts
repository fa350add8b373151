import { bodyLimitPlugin } from './body-limit/index.js';
import { corsPlugin } from './cors/index.js';
import { jwtPlugin } from './jwt/index.js';
import type { GatewayPlugin } from './plugin.js';
import { rateLimitPlugin } from './rate-limit/index.js';
import { PluginRegistry } from './registry.js';
import { requestIdPlugin } from './request-id/index.js';

/**
 * The plugins every config may name. The proxy is not among them: it is every route's last
 * step, configured by the route's `service`, not something a plugin list places.
 */
export const BUILTIN_PLUGINS: readonly GatewayPlugin[] = [requestIdPlugin, corsPlugin, bodyLimitPlugin, jwtPlugin, rateLimitPlugin];

/** @example builtinRegistry().get('jwt')?.configSchema.parse(config) */
export function builtinRegistry(): PluginRegistry {
  return new PluginRegistry(BUILTIN_PLUGINS);
}
