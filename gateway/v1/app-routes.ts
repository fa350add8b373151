import { NotFoundError } from '../../shared/errors/index.js';
import { newId } from '../../shared/ids.js';
import type { App } from '../../shared/types.js';
import { defineRoute, named, type AnyRouteSpec } from '../routing/index.js';
import { appCreateSchema, appListQuery, appPageSchema, appParams, appSchema } from './schemas/index.js';
import type { V1Dependencies } from './v1-dependencies.js';

const app = named('App', appSchema);

/** `/v1/apps`: the operator manages tenants. */
export function appRoutes({ storage }: V1Dependencies): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/apps',
      operationId: 'createApp',
      summary: 'Create an app (a tenant)',
      tag: 'Apps',
      access: 'operator',
      body: named('AppCreate', appCreateSchema),
      responses: { 201: { description: 'The app', schema: app } },
      async handle({ body }) {
        const created: App = { id: newId('app'), name: body.name, createdAt: new Date().toISOString() };
        await storage.apps.create(created);
        return { status: 201, body: created };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps',
      operationId: 'listApps',
      summary: 'List apps',
      tag: 'Apps',
      access: 'operator',
      query: appListQuery,
      responses: { 200: { description: 'A page of apps', schema: named('AppPage', appPageSchema) } },
      async handle({ query }) {
        return { status: 200, body: await storage.apps.list(query) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/apps/{appId}',
      operationId: 'getApp',
      summary: 'Get an app',
      tag: 'Apps',
      access: 'operator',
      params: appParams,
      responses: { 200: { description: 'The app', schema: app } },
      async handle({ params }) {
        const found = await storage.apps.get(params.appId);
        if (found === null) throw new NotFoundError(`App ${params.appId}`);
        return { status: 200, body: found };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/apps/{appId}',
      operationId: 'deleteApp',
      summary: 'Delete an app and everything it owns',
      description: 'Removes its keys, subscriptions, events and deliveries.',
      tag: 'Apps',
      access: 'operator',
      params: appParams,
      responses: { 204: { description: 'Deleted' } },
      async handle({ params }) {
        if (!(await storage.apps.delete(params.appId))) throw new NotFoundError(`App ${params.appId}`);
        return { status: 204 };
      },
    }),
  ];
}
