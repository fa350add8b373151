/**
 * Gateway plugins: the `GatewayPlugin` contract, the registry of plugins a config may name, the
 * built-ins, operator plugin modules, and the proxy every route with a service ends in.
 */
export * from './plugin.js';
export * from './registry.js';
export * from './builtins.js';
export { importPluginModule } from './module-plugin.js';
export { createProxy, ServiceProxies, type PathRewriteRule, type RouteProxyOptions, type ServiceTarget } from './proxy/index.js';
export { setRouteMatch, routeMatch, type RouteMatch } from './route-match.js';
export { createRedisConnection, type RedisConnection } from '../../shared/redis/redis-connection.js';
export type { RedisCommands } from '../../shared/redis/redis-commands.js';
