import { z } from 'zod';
import { subscriptionUrlError } from '../../../shared/security/url-guard.js';
import { patternError } from '../../../shared/webhooks/event-pattern.js';
import { payloadFilterSchema } from '../../../shared/webhooks/payload-filter-schema.js';
import { envelopePathError } from '../../../shared/webhooks/envelope-path.js';
import { jsonataExpressionSchema } from '../../../shared/webhooks/jsonata-expression-schema.js';
import { MAX_DELIVERIES_PER_SECOND, MIN_DELIVERIES_PER_SECOND } from '../../../shared/webhooks/rate-limit-range.js';
import { appIdQueryShape, idParam, pageOf, pageQueryShape, timestamp, timestampInput } from './common-schemas.js';
import { headersField } from './header-fields.js';

const MAX_MERGE_WINDOW_MS = 24 * 60 * 60 * 1000;

const eventPattern = z.string().superRefine((pattern, ctx) => {
  const error = patternError(pattern);
  if (error !== null) ctx.addIssue({ code: 'custom', message: error });
});

/** The fields a subscription's create and update share, each with its rule. */
function subscriptionFields(options: SubscriptionSchemaOptions) {
  return {
    url: z
      .string()
      .max(2048)
      .superRefine((url, ctx) => {
        const error = subscriptionUrlError(url, options.allowPrivateUrls);
        if (error !== null) ctx.addIssue({ code: 'custom', message: error });
      })
      .meta({ description: 'Where deliveries are POSTed: https (http only where configuration allows), public addresses' }),
    events: z
      .array(eventPattern)
      .min(1)
      .max(100)
      .meta({ description: 'Event-type patterns: dot-separated words, * one word, # zero or more (order.*, invoice.paid, #)' }),
    filter: payloadFilterSchema().meta({ description: 'MongoDB-style query over the envelope, e.g. {"data.amount": {"$gte": 100}}' }),
    merge: z
      .object({
        key: z
          .string()
          .min(1)
          .max(255)
          // The key is read from every event: a segment such as constructor, toString or __proto__
          // names what every object inherits, never a field of the event.
          .superRefine((key, ctx) => {
            const error = envelopePathError(key);
            if (error !== null) ctx.addIssue({ code: 'custom', message: error });
          })
          .meta({ description: 'Dotted path into the envelope, e.g. data.orderId; built-in names such as constructor or __proto__ are refused' }),
        windowMs: z.number().int().min(1).max(MAX_MERGE_WINDOW_MS),
      })
      .strict()
      .meta({ description: 'Events with an equal value at key within windowMs of the first become one delivery' }),
    transform: jsonataExpressionSchema().meta({ description: 'JSONata expression from the envelope to the body sent' }),
    rateLimit: z
      .object({ perSecond: z.number().min(MIN_DELIVERIES_PER_SECOND).max(MAX_DELIVERIES_PER_SECOND) })
      .strict()
      .meta({ description: `Deliveries per second to this URL, ${MIN_DELIVERIES_PER_SECOND} (one per 100 s) to ${MAX_DELIVERIES_PER_SECOND}` }),
    headers: headersField(),
    description: z.string().max(1000),
    enabled: z.boolean(),
  };
}

export interface SubscriptionSchemaOptions {
  /** `HOOKGATE_ALLOW_PRIVATE_URLS`: also allow plain http and private or loopback targets. */
  allowPrivateUrls: boolean;
}

/**
 * The request schemas of subscriptions. They depend on configuration (which URLs are allowed),
 * so they are built when the app is.
 */
export function createSubscriptionSchemas(options: SubscriptionSchemaOptions) {
  const field = subscriptionFields(options);
  const create = z
    .object({
      url: field.url,
      events: field.events,
      filter: field.filter.optional(),
      merge: field.merge.optional(),
      transform: field.transform.optional(),
      rateLimit: field.rateLimit.optional(),
      headers: field.headers.optional(),
      description: field.description.optional(),
      enabled: field.enabled.optional().meta({ description: 'Default true' }),
    })
    .strict();
  // In a patch, null clears an optional field; an absent field stays as it is.
  const patch = z
    .object({
      url: field.url.optional(),
      events: field.events.optional(),
      filter: field.filter.nullable().optional(),
      merge: field.merge.nullable().optional(),
      transform: field.transform.nullable().optional(),
      rateLimit: field.rateLimit.nullable().optional(),
      headers: field.headers.nullable().optional(),
      description: field.description.nullable().optional(),
      enabled: field.enabled.optional(),
    })
    .strict();
  return { create, patch };
}

export type SubscriptionSchemas = ReturnType<typeof createSubscriptionSchemas>;
export type SubscriptionCreateInput = z.output<SubscriptionSchemas['create']>;
export type SubscriptionPatchInput = z.output<SubscriptionSchemas['patch']>;

export const subscriptionSchema = z.object({
  id: z.string(),
  appId: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  filter: z.record(z.string(), z.unknown()).optional(),
  merge: z.object({ key: z.string(), windowMs: z.number() }).optional(),
  transform: z.string().optional(),
  rateLimit: z.object({ perSecond: z.number() }).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  description: z.string().optional(),
  enabled: z.boolean(),
  disabledReason: z.string().optional().meta({ description: 'Why the platform disabled it (410 Gone, failing endpoint)' }),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export const subscriptionPageSchema = pageOf(subscriptionSchema);

/** Creation is the one answer that carries the signing secret besides GET .../secret. */
export const subscriptionCreatedSchema = subscriptionSchema.extend({
  secret: z.string().meta({ description: 'Standard Webhooks signing secret (whsec_...)' }),
});

export const signingSecretSchema = z.object({ secret: z.string().meta({ description: 'The current signing secret (whsec_...)' }) });

export const rotatedSecretSchema = z.object({
  secret: z.string().meta({ description: 'The new signing secret (whsec_...)' }),
  previousExpiresAt: timestamp.meta({ description: 'Until then the previous secret signs beside the new one' }),
});

export const subscriptionParams = z.object({ id: idParam('subscription', 'Subscription id (sub_...)') }).strict();
export const subscriptionListQuery = z.object({ ...appIdQueryShape, ...pageQueryShape }).strict();
export const subscriptionCreateQuery = z.object(appIdQueryShape).strict();

export const replayRequestSchema = z
  .object({ since: timestampInput.meta({ description: 'Replay every matching event received at or after this time' }) })
  .strict();
export const replayAcceptedSchema = z.object({
  replayId: z.string().meta({ description: 'Shared by every message of this replay' }),
  events: z.number().int().meta({ description: 'How many events were queued for redelivery' }),
});
