import { z } from 'zod';
import { jsonataExpressionSchema } from '../../../shared/webhooks/jsonata-expression-schema.js';
import { eventPublishSchema } from '../../v1/schemas/event-schemas.js';
import { positiveInt } from '../config-fields.js';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export const emitEventConfigSchema = z.strictObject({
  /** The event's type, as `POST /v1/events` takes it (`order.created`; `hookgate.` is reserved). */
  type: eventPublishSchema.shape.type,
  /** JSONata from `{request, response, route, requestId}` to the event's data. */
  data: jsonataExpressionSchema().default('response.body'),
  /** Largest request or response body the expression sees, in bytes; a larger one is `null` to it. */
  maxBodyBytes: positiveInt(16 * 1024 * 1024).default(DEFAULT_MAX_BODY_BYTES),
});

export type EmitEventConfig = z.output<typeof emitEventConfigSchema>;
