import { z } from 'zod';
import { requestId } from '../../middleware/request-id.js';
import { definePlugin } from '../plugin.js';

/**
 * Accepts the caller's `x-request-id` when it is a sane token or makes one, echoes it on the
 * response, binds the request's logger to it, and (through the proxy) sends it upstream. The
 * same middleware the `/v1` API uses, so both paths log ids alike.
 *
 * @example plugins: [{ name: request-id }]
 */
export const requestIdPlugin = definePlugin({
  name: 'request-id',
  configSchema: z.strictObject({}),
  create: (_config, context) => requestId({ logger: context.logger }),
});
