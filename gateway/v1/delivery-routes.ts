import { NotFoundError } from '../../shared/errors/index.js';
import { defineRoute, named, type AnyRouteSpec } from '../routing/index.js';
import { deliveryListQuery, deliveryPageSchema, deliveryParams, deliverySchema, deliveryWithAttemptsSchema, idRouteQuery } from './schemas/index.js';
import type { V1Dependencies } from './v1-dependencies.js';

/** `/v1/deliveries`: what happened to each event at each subscription, and manual retries. */
export function deliveryRoutes({ storage, tenants, retrier }: V1Dependencies): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/deliveries',
      operationId: 'listDeliveries',
      summary: 'List deliveries',
      tag: 'Deliveries',
      access: 'caller',
      query: deliveryListQuery,
      responses: { 200: { description: 'A page of deliveries', schema: named('DeliveryPage', deliveryPageSchema) } },
      async handle({ caller, query }) {
        const scope = await tenants.listScope(caller, query.appId);
        const filter = {
          ...(query.subscription ? { subscriptionId: query.subscription } : {}),
          ...(query.event ? { eventId: query.event } : {}),
          ...(query.status ? { status: query.status } : {}),
        };
        return { status: 200, body: await storage.deliveries.list(scope, filter, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/deliveries/{id}',
      operationId: 'getDelivery',
      summary: 'Get a delivery with its attempts',
      tag: 'Deliveries',
      access: 'caller',
      params: deliveryParams,
      query: idRouteQuery,
      responses: { 200: { description: 'The delivery and every attempt', schema: named('DeliveryWithAttempts', deliveryWithAttemptsSchema) } },
      async handle({ caller, params, query }) {
        const found = await storage.deliveries.get(params.id, await tenants.listScope(caller, query.appId));
        if (found === null) throw new NotFoundError(`Delivery ${params.id}`);
        return { status: 200, body: found };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/deliveries/{id}/retry',
      operationId: 'retryDelivery',
      summary: 'Attempt a failed or dead delivery again',
      description: 'Same delivery id, so the same webhook-id. 409 unless the delivery is failed or dead.',
      tag: 'Deliveries',
      access: 'caller',
      params: deliveryParams,
      query: idRouteQuery,
      responses: { 202: { description: 'The delivery, pending again', schema: named('Delivery', deliverySchema) } },
      problems: [409, 503],
      async handle({ caller, params, query }) {
        return { status: 202, body: await retrier.retry(params.id, await tenants.listScope(caller, query.appId)) };
      },
    }),
  ];
}
