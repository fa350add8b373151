import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../shared/logger.js';
import { requestState } from '../request-state.js';
import { validTraceparent } from '../services/trace-context.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Ids we accept from a caller: short and free of anything that could forge log lines or headers. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestIdOptions {
  logger: Logger;
}

/**
 * Takes the caller's `x-request-id` when it is a sane token, or makes one; echoes it on the
 * response and gives the request a child logger bound to it (and to a valid `traceparent`).
 *
 * @example app.use(requestId({ logger }))
 */
export function requestId(options: RequestIdOptions): RequestHandler {
  return function assignRequestId(req, res, next) {
    const offered = req.get(REQUEST_ID_HEADER);
    const id = offered !== undefined && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, id);
    const state = requestState(res);
    state.requestId = id;
    const traceparent = validTraceparent(req.get('traceparent'));
    // With the caller's trace context on every line, one event can be followed across tiers.
    state.logger = options.logger.child({ requestId: id, ...(traceparent !== undefined ? { traceparent } : {}) });
    next();
  };
}
