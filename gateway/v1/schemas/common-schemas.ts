import { z } from 'zod';
import { isId, type IdKind } from '../../../shared/ids.js';

/** An RFC 3339 time as the API returns it (UTC). */
export const timestamp = z.string().meta({ format: 'date-time', description: 'RFC 3339, UTC' });

/** An RFC 3339 time as a caller sends it (any offset), normalised to UTC. */
export const timestampInput = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text).toISOString())
  .meta({ description: 'RFC 3339 time, e.g. 2026-11-23T10:00:00Z' });

/** A resource id of one kind in a path; any other string is simply not found. */
export function idParam(kind: IdKind, description: string) {
  return z.string().refine((value) => isId(kind, value)).meta({ description });
}

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 250;

/** `?limit=&cursor=` of every list. */
export const pageQueryShape = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_LIMIT_MAX)
    .default(PAGE_LIMIT_DEFAULT)
    .meta({ description: `Items per page, 1 to ${PAGE_LIMIT_MAX}` }),
  cursor: z.string().min(1).max(200).optional().meta({ description: "The previous page's nextCursor" }),
};

/** `?appId=`: the operator names the app it acts for; an app key may only name its own. */
export const appIdQueryShape = {
  appId: z.string().min(1).max(64).optional().meta({ description: 'The app acted for (operator token); an app key acts for its own app' }),
};

/**
 * The query of a route that acts on one resource by id: `?appId=` narrows the lookup to that
 * app (a resource of another app is then not found, for the operator as for an app key).
 */
export const idRouteQuery = z.object(appIdQueryShape).strict();

/**
 * A record (a JSON object of tenant-chosen keys) that refuses the key `__proto__`. JSON.parse
 * makes it an ordinary own key, but zod's record skips it and any object it is copied into
 * turns it into a prototype, so it would otherwise vanish without a word (a filter or header
 * silently dropped). The record's own schema is what the OpenAPI document shows.
 */
export function refusingProtoKey<S extends z.ZodType>(record: S) {
  return z.preprocess((value, ctx) => {
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      ctx.addIssue({ code: 'custom', message: 'is not a usable key', path: ['__proto__'], input: value });
    }
    return value;
  }, record);
}

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page' }),
  });
}

/** RFC 9457 problem details, as every error of the API is answered. */
export const problemSchema = z.object({
  type: z.string().meta({ description: 'Stable URI per kind of problem, e.g. https://hookgate.dev/problems/validation' }),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  code: z.string().meta({ description: 'Stable HG_ERR_* code' }),
  requestId: z.string().optional().meta({ description: 'The x-request-id of the request, for support' }),
  errors: z
    .array(z.object({ path: z.string().meta({ description: 'Dotted path from the body root, or a query/header name' }), message: z.string() }))
    .optional(),
});
