import { NotFoundError } from '../../shared/errors/index.js';
import { newId } from '../../shared/ids.js';
import { generateApiKey } from '../../shared/security/key-hash.js';
import { defineRoute, named, type AnyRouteSpec } from '../routing/index.js';
import { apiKeyCreatedSchema, apiKeyListSchema, appKeyParams, appParams } from './schemas/index.js';
import type { V1Dependencies } from './v1-dependencies.js';

/** How much of a key is kept in clear, so an operator can tell keys apart: `hg_` and 7 more. */
export const KEY_PREFIX_LENGTH = 10;

/** `/v1/apps/{appId}/keys`: the operator issues and revokes an app's API keys. */
export function keyRoutes({ storage, keyHasher }: V1Dependencies): AnyRouteSpec[] {
  async function requireApp(appId: string): Promise<void> {
    if ((await storage.apps.get(appId)) === null) throw new NotFoundError(`App ${appId}`);
  }

  return [
    defineRoute({
      method: 'post',
      path: '/v1/apps/{appId}/keys',
      operationId: 'createApiKey',
      summary: 'Issue an API key for an app',
      description: 'The key is in this answer only: hookgate keeps a keyed hash of it, never the key.',
      tag: 'Apps',
      access: 'operator',
      params: appParams,
      responses: { 201: { description: 'The new key', schema: named('ApiKeyCreated', apiKeyCreatedSchema) } },
      async handle({ params }) {
        await requireApp(params.appId);
        const key = generateApiKey();
        const created = { id: newId('key'), appId: params.appId, prefix: key.slice(0, KEY_PREFIX_LENGTH), createdAt: new Date().toISOString() };
        await storage.apiKeys.create({ ...created, hash: keyHasher.hash(key) });
        return { status: 201, body: { id: created.id, key, prefix: created.prefix, createdAt: created.createdAt } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{appId}/keys',
      operationId: 'listApiKeys',
      summary: "List an app's API keys (never the keys themselves)",
      tag: 'Apps',
      access: 'operator',
      params: appParams,
      responses: { 200: { description: 'The keys', schema: named('ApiKeyList', apiKeyListSchema) } },
      async handle({ params }) {
        await requireApp(params.appId);
        return { status: 200, body: { data: await storage.apiKeys.list(params.appId) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/apps/{appId}/keys/{keyId}',
      operationId: 'deleteApiKey',
      summary: 'Revoke an API key',
      tag: 'Apps',
      access: 'operator',
      params: appKeyParams,
      responses: { 204: { description: 'Revoked' } },
      async handle({ params }) {
        if (!(await storage.apiKeys.delete(params.appId, params.keyId))) throw new NotFoundError(`Key ${params.keyId} of app ${params.appId}`);
        return { status: 204 };
      },
    }),
  ];
}
