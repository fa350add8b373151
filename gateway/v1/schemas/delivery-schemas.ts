import { z } from 'zod';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../../shared/types.js';
import { appIdQueryShape, idParam, pageOf, pageQueryShape, timestamp } from './common-schemas.js';

export const deliveryStatusSchema = z
  .enum(DELIVERY_STATUSES as readonly [DeliveryStatus, ...DeliveryStatus[]])
  .meta({ description: 'pending, succeeded, failed (will retry) or dead (gave up)' });

export const deliverySchema = z.object({
  id: z.string().meta({ description: 'Delivery id: the webhook-id header of every attempt' }),
  appId: z.string(),
  eventId: z.string(),
  subscriptionId: z.string(),
  status: deliveryStatusSchema,
  attemptCount: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
  nextAttemptAt: timestamp.optional(),
  lastError: z.string().optional(),
  mergedEventIds: z.array(z.string()).optional().meta({ description: 'For a merged delivery: every event it carries, in arrival order; eventId is the latest' }),
});
export const deliveryPageSchema = pageOf(deliverySchema);

export const attemptSchema = z.object({
  id: z.string(),
  number: z.number().int().meta({ description: '1-based' }),
  at: timestamp,
  statusCode: z.number().int().nullable(),
  durationMs: z.number(),
  error: z.string().nullable(),
  responseBody: z.string().nullable().meta({ description: 'The first 1 KiB of the response body' }),
});

export const deliveryWithAttemptsSchema = deliverySchema.extend({ attempts: z.array(attemptSchema) });

export const deliveryParams = z.object({ id: idParam('delivery', 'Delivery id (dlv_...)') }).strict();
export const deliveryListQuery = z
  .object({
    ...appIdQueryShape,
    subscription: z.string().min(1).max(64).optional().meta({ description: 'Only deliveries to this subscription id' }),
    event: z.string().min(1).max(64).optional().meta({ description: 'Only deliveries of this event id' }),
    status: deliveryStatusSchema.optional(),
    ...pageQueryShape,
  })
  .strict();
