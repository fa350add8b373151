/**
 * The gateway tier: `createGatewayApp` builds the Express app serving the /v1 API, health,
 * readiness, metrics and the OpenAPI document.
 */
export { createGatewayApp, type GatewayOptions } from './app.js';
export type { Caller } from './request-state.js';
