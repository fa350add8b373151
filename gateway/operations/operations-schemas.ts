import { z } from 'zod';

export const healthSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({
  status: z.literal('ready'),
  checks: z.record(z.string(), z.boolean()).meta({ description: 'Every dependency checked, all true' }),
});

/** Only the head of it: the document describes itself in full. */
export const openApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });
