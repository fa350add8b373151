import type { Request } from 'express';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../shared/errors/index.js';
import type { Delivery } from '../../shared/types.js';
import type { Storage, TenantScope } from '../../storage/ports/index.js';
import { defineRoute, named, type AnyRouteSpec, type HeaderSpec } from '../routing/index.js';
import { validTraceparent, type EventToPublish } from '../services/index.js';
import {
  MAX_BATCH_EVENTS,
  eventBatchAcceptedSchema,
  eventBatchSchema,
  eventListQuery,
  eventPageSchema,
  eventParams,
  eventPublishQuery,
  eventPublishSchema,
  eventSchema,
  eventWithDeliveriesSchema,
  idempotencyKeyHeader,
  type EventPublishInput,
  idRouteQuery,
} from './schemas/index.js';
import type { V1Dependencies } from './v1-dependencies.js';

const IDEMPOTENCY_KEY = 'idempotency-key';
const IDEMPOTENT_REPLAYED = 'idempotent-replayed';

const traceparentHeader: HeaderSpec = {
  name: 'traceparent',
  description: 'W3C trace context; carried onto the webhooks when valid',
  schema: z.string(),
};

function idempotencyKeyOf(req: Request): string | undefined {
  const header = req.get(IDEMPOTENCY_KEY);
  if (header === undefined) return undefined;
  if (!idempotencyKeyHeader.safeParse(header).success) {
    throw new ValidationError([{ path: 'Idempotency-Key', message: 'must be 1 to 255 characters' }]);
  }
  return header;
}

function toPublish(appId: string, input: EventPublishInput, idempotencyKey: string | undefined, traceparent: string | undefined): EventToPublish {
  const key = idempotencyKey ?? input.id;
  return {
    appId,
    type: input.type,
    data: input.data,
    ...(input.occurredAt !== undefined ? { occurredAt: input.occurredAt } : {}),
    ...(key !== undefined ? { idempotencyKey: key } : {}),
    ...(traceparent !== undefined ? { traceparent } : {}),
  };
}

/** Every delivery of an event; an event makes about one per matching subscription, plus replays. */
async function deliveriesOf(storage: Storage, eventId: string, scope: TenantScope): Promise<Delivery[]> {
  const all: Delivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.deliveries.list(scope, { eventId }, { limit: 250, ...(cursor ? { cursor } : {}) });
    all.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

/** `/v1/events`: publishing events and reading them back. */
export function eventRoutes({ storage, tenants, publisher }: V1Dependencies): AnyRouteSpec[] {
  const event = named('Event', eventSchema);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/events',
      operationId: 'publishEvent',
      summary: 'Publish an event',
      description:
        'Accepted (202) once stored and confirmed by the queue. The Idempotency-Key header, or else the body id, makes it idempotent: ' +
        'a repeat within the window answers 202 with the first event and idempotent-replayed: true, and delivers nothing twice. ' +
        'The operator token must name the app with ?appId=.',
      tag: 'Events',
      access: 'caller',
      query: eventPublishQuery,
      headers: [{ name: 'Idempotency-Key', description: 'Idempotency key (1 to 255 characters)', schema: idempotencyKeyHeader }, traceparentHeader],
      body: named('EventPublish', eventPublishSchema),
      responses: {
        202: {
          description: 'The event (the first one, for a repeated idempotency key)',
          schema: event,
          headers: { [IDEMPOTENT_REPLAYED]: { description: 'true when this answers a repeated idempotency key', schema: z.literal('true') } },
        },
      },
      problems: [503],
      async handle({ caller, query, body, req }) {
        const idempotencyKey = idempotencyKeyOf(req);
        const appId = await tenants.ownerAppId(caller, query.appId);
        const published = await publisher.publish(toPublish(appId, body, idempotencyKey, validTraceparent(req.get('traceparent'))));
        const headers: Record<string, string> = published.replayed ? { [IDEMPOTENT_REPLAYED]: 'true' } : {};
        return { status: 202, body: published.event, headers };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/events:batch',
      operationId: 'publishEvents',
      summary: `Publish up to ${MAX_BATCH_EVENTS} events`,
      description:
        'The whole batch is validated first: if any event is invalid, none is stored (errors name events.<index>.<field>). ' +
        "Each event's id is its idempotency key. The answer lists the events in order.",
      tag: 'Events',
      access: 'caller',
      query: eventPublishQuery,
      headers: [traceparentHeader],
      body: named('EventBatch', eventBatchSchema),
      responses: { 202: { description: 'The events, in the order sent', schema: named('EventBatchAccepted', eventBatchAcceptedSchema) } },
      problems: [503],
      async handle({ caller, query, body, req }) {
        const appId = await tenants.ownerAppId(caller, query.appId);
        const traceparent = validTraceparent(req.get('traceparent'));
        const published = await publisher.publishAll(body.events.map((input) => toPublish(appId, input, undefined, traceparent)));
        return { status: 202, body: { data: published.map((item) => item.event) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events',
      operationId: 'listEvents',
      summary: 'List events',
      tag: 'Events',
      access: 'caller',
      query: eventListQuery,
      responses: { 200: { description: 'A page of events', schema: named('EventPage', eventPageSchema) } },
      async handle({ caller, query }) {
        const scope = await tenants.listScope(caller, query.appId);
        const filter = { ...(query.type ? { type: query.type } : {}), ...(query.after ? { after: query.after } : {}) };
        return { status: 200, body: await storage.events.list(scope, filter, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/{id}',
      operationId: 'getEvent',
      summary: 'Get an event with the deliveries it made',
      tag: 'Events',
      access: 'caller',
      params: eventParams,
      query: idRouteQuery,
      responses: { 200: { description: 'The event and its deliveries', schema: named('EventWithDeliveries', eventWithDeliveriesSchema) } },
      async handle({ caller, params, query }) {
        const scope = await tenants.listScope(caller, query.appId);
        const found = await storage.events.get(params.id, scope);
        if (found === null) throw new NotFoundError(`Event ${params.id}`);
        return { status: 200, body: { ...found, deliveries: await deliveriesOf(storage, found.id, scope) } };
      },
    }),
  ];
}
