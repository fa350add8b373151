import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { builtinRegistry } from '../../../gateway/plugins/builtins.js';

const EMIT_EVENT_MODULE = fileURLToPath(new URL('./emit-event-module.ts', import.meta.url));
const JWT_SECRET = 'emit-event-test-secret-0123456789abcdef';
const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'orders-api';

/** Loads emit-event from a module unless the built-ins already register it. */
export function emitEventModules(): string {
  return builtinRegistry().get('emit-event') === undefined ? `pluginModules: [{name: emit-event, module: "${EMIT_EVENT_MODULE}"}]\n` : '';
}

/** The jwt plugin entry that names the app from the `app_id` claim. */
export const JWT_PLUGIN = `{name: jwt, config: {algorithms: [HS256], secret: "${JWT_SECRET}", issuer: "${ISSUER}", audience: ${AUDIENCE}, appClaim: app_id}}`;

/** A bearer token for `appId` that JWT_PLUGIN accepts. */
export function bearerFor(appId: string): Record<string, string> {
  const token = jwt.sign({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', app_id: appId }, JWT_SECRET, { algorithm: 'HS256', expiresIn: 300 });
  return { authorization: `Bearer ${token}` };
}

/**
 * A gateway config: the request-id plugin globally, and route `orders` (POST and GET
 * /api/orders) to `serviceUrl` with jwt then emit-event (its config as YAML flow text).
 */
export function emitEventYaml(serviceUrl: string, emitConfig: string, routePlugins = `[${JWT_PLUGIN}, {name: emit-event, config: ${emitConfig}}]`): string {
  return `${emitEventModules()}services: {orders: {url: "${serviceUrl}"}}
plugins: [{name: request-id}]
routes:
  - name: orders
    service: orders
    paths: [/api/orders]
    plugins: ${routePlugins}
`;
}
