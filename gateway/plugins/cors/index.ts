import cors from 'cors';
import { z } from 'zod';
import { positiveInt } from '../config-fields.js';
import { definePlugin } from '../plugin.js';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const ORIGIN = /^https?:\/\/[^/\s]+$/;

export const corsConfigSchema = z
  .strictObject({
    /** Origins allowed to call (`https://shop.example.com`), or `["*"]` for any. */
    origins: z.array(z.union([z.literal('*'), z.string().regex(ORIGIN, { error: 'must be "*" or an origin like https://app.example.com (no path)' })])).min(1),
    methods: z.array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])).min(1).default(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
    /** Request headers a browser may send; unset reflects what the preflight asks for. */
    allowedHeaders: z.array(z.string().regex(HEADER_NAME)).optional(),
    /** Response headers a browser script may read. */
    exposedHeaders: z
      .array(z.string().regex(HEADER_NAME))
      .default(['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after']),
    credentials: z.boolean().default(false),
    /** How long a browser may cache a preflight answer. */
    maxAgeSeconds: positiveInt(86_400).default(600),
  })
  .refine((config) => !(config.credentials && config.origins.includes('*')), {
    error: 'true needs explicit origins, not "*" (browsers refuse the combination)',
    path: ['credentials'],
  });

/**
 * Cross-origin resource sharing through the `cors` package: answers preflights itself (204) and
 * adds the CORS headers to every answer of an allowed origin. The gateway routes a preflight by
 * the method it announces, so a route serving `POST` also gets its `OPTIONS` preflight.
 *
 * @example plugins: [{ name: cors, config: { origins: [https://shop.example.com] } }]
 */
export const corsPlugin = definePlugin({
  name: 'cors',
  configSchema: corsConfigSchema,
  create(config) {
    const anyOrigin = config.origins.includes('*');
    return cors({
      origin: anyOrigin ? '*' : config.origins,
      methods: config.methods,
      ...(config.allowedHeaders ? { allowedHeaders: config.allowedHeaders } : {}),
      exposedHeaders: config.exposedHeaders,
      credentials: config.credentials,
      maxAge: config.maxAgeSeconds,
    });
  },
});
