import type { RequestHandler } from 'express';
import { requestState } from '../request-state.js';

/**
 * One log line per answered request, by route pattern, on the request's child logger.
 * Server errors are logged with their cause by the problem handler; this line is the access log.
 */
export function requestLog(): RequestHandler {
  return function logRequest(req, res, next) {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const state = requestState(res);
      state.logger.info(
        {
          method: req.method,
          route: state.route ?? 'unmatched',
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request completed',
      );
    });
    next();
  };
}
