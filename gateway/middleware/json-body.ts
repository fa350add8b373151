import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { HookgateError } from '../../shared/errors/index.js';

export interface JsonBodyOptions {
  /** Largest body accepted, in bytes (`HOOKGATE_MAX_BODY_BYTES`). */
  limitBytes: number;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** body-parser reports its failures as errors with a `type`; these become our coded errors here. */
function translateParserError(error: unknown, limitBytes: number): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.too.large':
      return new HookgateError('HG_ERR_PAYLOAD_TOO_LARGE', `The body is larger than ${limitBytes} bytes.`, { cause: error });
    case 'entity.parse.failed':
      return new HookgateError('HG_ERR_MALFORMED', 'The body is not a JSON object or array.', {
        cause: error,
        errors: [{ path: '(body)', message: (error as Error).message }],
      });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HookgateError('HG_ERR_UNSUPPORTED_MEDIA_TYPE', (error as Error).message, { cause: error });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HookgateError('HG_ERR_MALFORMED', (error as Error).message, { cause: error });
    default:
      return error;
  }
}

/**
 * Parses a JSON body for routes that take one. A body of another content type is refused with
 * 415; no body at all leaves `req.body` undefined, for the route's schema to judge.
 *
 * @example router.post('/v1/events', jsonBody({ limitBytes: 1_048_576 }), handler)
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const parse = express.json({ limit: options.limitBytes, strict: true, type: JSON_TYPES });
  return function parseJsonBody(req: Request, res: Response, next: NextFunction) {
    // req.is answers null when the request carries no body at all.
    if (req.is(JSON_TYPES) === false) {
      next(new HookgateError('HG_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.'));
      return;
    }
    parse(req, res, (error?: unknown) => next(error === undefined ? undefined : translateParserError(error, options.limitBytes)));
  };
}
