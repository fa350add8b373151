/** The gateway's config file: loading and validating it, and its JSON Schema. */
export { checkGatewayConfig, loadGatewayConfig, type GatewayConfig, type LoadGatewayConfigOptions, type PluginUse, type RouteConfig, type ServiceConfig } from './load.js';
export { GatewayConfigError } from './issues.js';
export { gatewayConfigJsonSchema } from './json-schema.js';
