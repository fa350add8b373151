import { z } from 'zod';
import { HookgateError } from '../../../shared/errors/index.js';
import { positiveInt } from '../config-fields.js';
import { definePlugin } from '../plugin.js';

export const bodyLimitConfigSchema = z.strictObject({
  /** Largest request body accepted, in bytes. */
  maxBytes: positiveInt(),
});

/**
 * Refuses request bodies over `maxBytes` with 413 problem+json, without buffering them: a
 * declared `Content-Length` is judged at once; a chunked body is counted as it streams to the
 * upstream, and the request fails with 413 as soon as it goes over (the upstream request is cut).
 *
 * @example plugins: [{ name: body-limit, config: { maxBytes: 1048576 } }]
 */
export const bodyLimitPlugin = definePlugin({
  name: 'body-limit',
  configSchema: bodyLimitConfigSchema,
  create(config) {
    const tooLarge = () => new HookgateError('HG_ERR_PAYLOAD_TOO_LARGE', `The body is larger than ${config.maxBytes} bytes.`);
    return function limitBody(req, _res, next) {
      const declared = req.get('content-length');
      if (declared !== undefined) {
        // Node has already refused a Content-Length that is not a number, and ends the body at it.
        next(Number(declared) > config.maxBytes ? tooLarge() : undefined);
        return;
      }
      let received = 0;
      // Listening on a paused stream does not start it: the body still flows only when the
      // proxy (or a parser) reads it, and this counter sees every chunk they see.
      req.pause();
      req.on('data', function countBody(chunk: Buffer) {
        received += chunk.length;
        if (received <= config.maxBytes) return;
        req.off('data', countBody);
        req.unpipe();
        // Whoever reads the body (the proxy, a parser) listens for errors and answers with this one.
        req.emit('error', tooLarge());
      });
      // When the answer went out before the body was read, Node drains the rest with nobody
      // listening; an unhandled 'error' event would then crash the process.
      req.on('error', () => {});
      next();
    };
  },
});
