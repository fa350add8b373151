import type { RequestHandler } from 'express';
import { z } from 'zod';
import { requestId } from '../../middleware/request-id.js';
import { requestLog } from '../../middleware/request-log.js';
import { definePlugin } from '../plugin.js';

/**
 * Accepts the caller's `x-request-id` when it is a sane token or makes one, echoes it on the
 * response, binds the request's logger to it (and to a valid `traceparent`), writes one access
 * log line per answered request, and (through the proxy) sends the id upstream.
 *
 * @example plugins: [{ name: request-id }]
 */
export const requestIdPlugin = definePlugin({
  name: 'request-id',
  configSchema: z.strictObject({}),
  create(_config, context) {
    const assign = requestId({ logger: context.logger });
    const log = requestLog();
    return function identifyRequest(req, res, next) {
      assign(req, res, () => log(req, res, next));
    } satisfies RequestHandler;
  },
});
