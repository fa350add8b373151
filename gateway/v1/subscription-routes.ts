import { NotFoundError } from '../../shared/errors/index.js';
import { newId } from '../../shared/ids.js';
import type { Subscription } from '../../shared/types.js';
import type { SubscriptionPatch } from '../../storage/ports/index.js';
import { defineRoute, named, type AnyRouteSpec } from '../routing/index.js';
import {
  createSubscriptionSchemas,
  replayAcceptedSchema,
  replayRequestSchema,
  rotatedSecretSchema,
  signingSecretSchema,
  subscriptionCreatedSchema,
  subscriptionCreateQuery,
  subscriptionListQuery,
  subscriptionPageSchema,
  subscriptionParams,
  subscriptionSchema,
  type SubscriptionCreateInput,
  type SubscriptionPatchInput,
  idRouteQuery,
} from './schemas/index.js';
import type { V1Dependencies } from './v1-dependencies.js';

const subscription = named('Subscription', subscriptionSchema);

/** The optional fields of a new subscription, only those given. */
function optionalFields(input: SubscriptionCreateInput): Partial<Subscription> {
  const { filter, merge, transform, rateLimit, headers, description } = input;
  return Object.fromEntries(
    Object.entries({ filter, merge, transform, rateLimit, headers, description }).filter(([, value]) => value !== undefined),
  );
}

/** A PATCH body as a store patch: `null` clears a field (the store clears keys set to undefined). */
function toStorePatch(input: SubscriptionPatchInput): SubscriptionPatch {
  const patch: SubscriptionPatch = {};
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined) (patch as Record<string, unknown>)[key] = value ?? undefined;
  }
  // Re-enabling a subscription the platform disabled also forgets why it was disabled.
  if (input.enabled === true) patch.disabledReason = undefined;
  return patch;
}

/** `/v1/subscriptions`: an app's webhook endpoints, their secrets and replays. */
export function subscriptionRoutes({ config, storage, tenants, secrets, replayer }: V1Dependencies): AnyRouteSpec[] {
  const schemas = createSubscriptionSchemas({ allowPrivateUrls: config.allowPrivateUrls });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/subscriptions',
      operationId: 'createSubscription',
      summary: 'Subscribe a URL to event types',
      description: 'Answers with the signing secret (whsec_...). The operator token must name the app with ?appId=.',
      tag: 'Subscriptions',
      access: 'caller',
      query: subscriptionCreateQuery,
      body: named('SubscriptionCreate', schemas.create),
      responses: { 201: { description: 'The subscription, with its signing secret', schema: named('SubscriptionCreated', subscriptionCreatedSchema) } },
      async handle({ caller, query, body }) {
        const appId = await tenants.ownerAppId(caller, query.appId);
        const now = new Date().toISOString();
        const created: Subscription = {
          id: newId('subscription'),
          appId,
          url: body.url,
          events: body.events,
          ...optionalFields(body),
          enabled: body.enabled ?? true,
          createdAt: now,
          updatedAt: now,
        };
        const { secret, sealed } = secrets.issue();
        await storage.subscriptions.create(created, sealed);
        return { status: 201, body: { ...created, secret } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/subscriptions',
      operationId: 'listSubscriptions',
      summary: 'List subscriptions',
      tag: 'Subscriptions',
      access: 'caller',
      query: subscriptionListQuery,
      responses: { 200: { description: 'A page of subscriptions', schema: named('SubscriptionPage', subscriptionPageSchema) } },
      async handle({ caller, query }) {
        const scope = await tenants.listScope(caller, query.appId);
        return { status: 200, body: await storage.subscriptions.list(scope, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/subscriptions/{id}',
      operationId: 'getSubscription',
      summary: 'Get a subscription',
      tag: 'Subscriptions',
      access: 'caller',
      params: subscriptionParams,
      query: idRouteQuery,
      responses: { 200: { description: 'The subscription', schema: subscription } },
      async handle({ caller, params, query }) {
        const found = await storage.subscriptions.get(params.id, await tenants.listScope(caller, query.appId));
        if (found === null) throw new NotFoundError(`Subscription ${params.id}`);
        return { status: 200, body: found };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/subscriptions/{id}',
      operationId: 'updateSubscription',
      summary: 'Change a subscription',
      description: 'Fields are checked as on creation; null clears an optional field; absent fields stay.',
      tag: 'Subscriptions',
      access: 'caller',
      params: subscriptionParams,
      query: idRouteQuery,
      body: named('SubscriptionPatch', schemas.patch),
      responses: { 200: { description: 'The changed subscription', schema: subscription } },
      async handle({ caller, params, query, body }) {
        const updated = await storage.subscriptions.update(params.id, await tenants.listScope(caller, query.appId), toStorePatch(body), new Date().toISOString());
        if (updated === null) throw new NotFoundError(`Subscription ${params.id}`);
        return { status: 200, body: updated };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/subscriptions/{id}',
      operationId: 'deleteSubscription',
      summary: 'Delete a subscription',
      tag: 'Subscriptions',
      access: 'caller',
      params: subscriptionParams,
      query: idRouteQuery,
      responses: { 204: { description: 'Deleted' } },
      async handle({ caller, params, query }) {
        if (!(await storage.subscriptions.delete(params.id, await tenants.listScope(caller, query.appId)))) throw new NotFoundError(`Subscription ${params.id}`);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/subscriptions/{id}/secret',
      operationId: 'getSubscriptionSecret',
      summary: 'Get the current signing secret',
      tag: 'Subscriptions',
      access: 'caller',
      params: subscriptionParams,
      query: idRouteQuery,
      responses: { 200: { description: 'The current secret', schema: named('SigningSecret', signingSecretSchema) } },
      async handle({ caller, params, query }) {
        return { status: 200, body: { secret: await secrets.current(params.id, await tenants.listScope(caller, query.appId)) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/subscriptions/{id}/secret/rotate',
      operationId: 'rotateSubscriptionSecret',
      summary: 'Rotate the signing secret',
      description: `The old secret keeps signing beside the new one until previousExpiresAt (HOOKGATE_SECRET_ROTATION_GRACE, ${Math.round(
        config.secretRotationGraceMs / 3_600_000,
      )} h here), so receivers can switch without losing a webhook.`,
      tag: 'Subscriptions',
      access: 'caller',
      params: subscriptionParams,
      query: idRouteQuery,
      responses: { 200: { description: 'The new secret', schema: named('RotatedSecret', rotatedSecretSchema) } },
      async handle({ caller, params, query }) {
        return { status: 200, body: await secrets.rotate(params.id, await tenants.listScope(caller, query.appId)) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/subscriptions/{id}/replay',
      operationId: 'replaySubscription',
      summary: 'Deliver again every matching event since a time',
      description: 'Each event is delivered to this subscription only, as a new delivery; every message of the replay carries replayId.',
      tag: 'Subscriptions',
      access: 'caller',
      params: subscriptionParams,
      query: idRouteQuery,
      body: named('ReplayRequest', replayRequestSchema),
      responses: { 202: { description: 'The replay was queued', schema: named('ReplayAccepted', replayAcceptedSchema) } },
      problems: [409, 503],
      async handle({ caller, params, query, body }) {
        return { status: 202, body: await replayer.replay(params.id, await tenants.listScope(caller, query.appId), body.since) };
      },
    }),
  ];
}
