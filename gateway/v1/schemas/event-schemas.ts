import { z } from 'zod';
import { eventTypeError } from '../../../shared/webhooks/event-pattern.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../../shared/webhooks/json-depth.js';
import { PLATFORM_EVENT_PREFIX } from '../../../shared/webhooks/platform-events.js';
import { deliverySchema } from './delivery-schemas.js';
import { appIdQueryShape, idParam, pageOf, pageQueryShape, timestamp, timestampInput } from './common-schemas.js';

export const MAX_BATCH_EVENTS = 500;

const eventType = z
  .string()
  .superRefine((type, ctx) => {
    const error = eventTypeError(type);
    if (error !== null) ctx.addIssue({ code: 'custom', message: error });
    else if (type.startsWith(PLATFORM_EVENT_PREFIX)) ctx.addIssue({ code: 'custom', message: `"${PLATFORM_EVENT_PREFIX}" types are the platform's own` });
  })
  .meta({ description: `Dot-separated words, e.g. order.paid; types starting "${PLATFORM_EVENT_PREFIX}" are reserved` });

export const eventPublishSchema = z
  .object({
    type: eventType,
    data: z
      .unknown()
      // Checked before anything downstream (store, queue, filter, transform) recurses into it.
      .refine((data) => !nestsDeeperThan(data, MAX_JSON_DEPTH), `must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep`)
      .meta({ description: `Any JSON value, nested at most ${MAX_JSON_DEPTH} levels deep; delivered as the envelope data` }),
    id: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .meta({ description: "The publisher's own id: an idempotency key when no Idempotency-Key header is sent" }),
    occurredAt: timestampInput.optional().meta({ description: 'When it happened (default: when received)' }),
  })
  .strict();
export type EventPublishInput = z.output<typeof eventPublishSchema>;

export const eventBatchSchema = z
  .object({ events: z.array(eventPublishSchema).min(1).max(MAX_BATCH_EVENTS) })
  .strict();

export const eventSchema = z.object({
  id: z.string(),
  appId: z.string(),
  type: z.string(),
  occurredAt: timestamp,
  receivedAt: timestamp,
  data: z.unknown(),
  idempotencyKey: z.string().optional(),
});
export const eventPageSchema = pageOf(eventSchema);
export const eventBatchAcceptedSchema = z.object({ data: z.array(eventSchema) });
export const eventWithDeliveriesSchema = eventSchema.extend({
  deliveries: z.array(deliverySchema).meta({ description: 'The deliveries this event made, oldest first' }),
});

export const eventParams = z.object({ id: idParam('event', 'Event id (evt_...)') }).strict();
export const eventPublishQuery = z.object(appIdQueryShape).strict();
export const eventListQuery = z
  .object({
    ...appIdQueryShape,
    type: eventType.optional().meta({ description: 'Only events of exactly this type' }),
    after: timestampInput.optional().meta({ description: 'Only events received after this time' }),
    ...pageQueryShape,
  })
  .strict();

/** `Idempotency-Key` request header: the same key within the window returns the first event. */
export const idempotencyKeyHeader = z.string().min(1).max(255);
