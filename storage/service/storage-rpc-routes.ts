import { z } from 'zod';
import { NotFoundError } from '../../shared/errors/index.js';
import { defineRoute, named, type AnyRouteSpec } from '../../gateway/routing/index.js';
import type { Storage } from '../ports/index.js';
import { isStorageMethod, STORAGE_METHODS } from './storage-methods.js';
import { encodeWire, restoreUndefined } from './wire-codec.js';

const callSchema = z.object({ args: z.array(z.unknown()) }).strict();
const aggregates = Object.keys(STORAGE_METHODS) as [string, ...string[]];

/**
 * The storage service's internal API: one route that calls a port method by name, for the
 * gateway and processor in distributed mode (storage/adapters/http is its client). Only the
 * other tiers hold its token; no tenant calls it.
 */
export function storageRpcRoutes(storage: Storage): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/internal/storage/{aggregate}/{method}',
      operationId: 'storageCall',
      summary: 'Call one storage port method (internal, between tiers)',
      description: 'Arguments and result are JSON in which `{"$hookgate:undefined": true}` stands for undefined.',
      tag: 'Internal',
      access: 'operator',
      params: z.object({ aggregate: z.enum(aggregates), method: z.string() }),
      body: named('StorageCall', callSchema),
      responses: { 200: { description: 'The method returned', contentType: 'application/json' } },
      async handle({ params, req }) {
        if (!isStorageMethod(params.aggregate, params.method)) throw new NotFoundError(`The storage method ${params.aggregate}.${params.method}`);
        // The parsed body still holds the undefined markers: restore them before the call.
        const { args } = restoreUndefined(req.body) as { args: unknown[] };
        const port = storage[params.aggregate] as unknown as Record<string, (...callArgs: unknown[]) => Promise<unknown>>;
        const result = await port[params.method]!.apply(port, args);
        return { status: 200, body: encodeWire({ result }) };
      },
    }),
  ];
}
