import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  HookgateError,
  NotFoundError,
  PROBLEM_CONTENT_TYPE,
  toHookgateError,
  toProblem,
  type ErrorCode,
} from '../../shared/errors/index.js';
import { requestState } from '../request-state.js';

/** Express and its parsers throw plain errors with an HTTP `status` (a bad %-escape in a path is 400). */
const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'HG_ERR_MALFORMED',
  404: 'HG_ERR_NOT_FOUND',
  413: 'HG_ERR_PAYLOAD_TOO_LARGE',
  415: 'HG_ERR_UNSUPPORTED_MEDIA_TYPE',
};

function asHookgateError(error: unknown): HookgateError {
  if (error instanceof HookgateError) return error;
  const status = (error as { status?: unknown } | null)?.status;
  const code = typeof status === 'number' ? HTTP_STATUS_CODES[status] : undefined;
  if (code !== undefined) return new HookgateError(code, error instanceof Error ? error.message : undefined, { cause: error });
  return toHookgateError(error);
}

/**
 * THE one place where an error becomes a response: RFC 9457 problem+json through
 * shared/errors/problem.ts, with the error's headers (WWW-Authenticate, Retry-After, Allow).
 * Server errors are logged with their cause; client errors are the caller's business and are not.
 */
export function problemHandler(): ErrorRequestHandler {
  return function sendProblem(error, req, res, next) {
    if (res.headersSent) {
      next(error);
      return;
    }
    const hookgateError = asHookgateError(error);
    const state = requestState(res);
    if (hookgateError.status >= 500) {
      state.logger.error({ err: hookgateError.cause ?? hookgateError, code: hookgateError.code, route: state.route }, hookgateError.message);
    }
    for (const [name, value] of Object.entries(hookgateError.headers)) res.setHeader(name, value);
    const problem = { ...toProblem(hookgateError, req.originalUrl.split('?')[0]), requestId: state.requestId };
    res.status(hookgateError.status).type(PROBLEM_CONTENT_TYPE).json(problem);
  };
}

/** For any path no route serves: a 404 problem, not Express's HTML page. */
export function notFoundHandler(): RequestHandler {
  return function noSuchRoute(req, _res, next) {
    next(new NotFoundError(`The route ${req.method} ${req.path}`));
  };
}

/** For a known path asked with a method it does not serve: 405 with `Allow`. */
export function methodNotAllowedHandler(allowed: readonly string[]): RequestHandler {
  const allow = [...new Set(allowed.flatMap((method) => (method === 'GET' ? ['GET', 'HEAD'] : [method])))].join(', ');
  return function methodNotAllowed(req, _res, next) {
    next(new HookgateError('HG_ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow}.`, { headers: { allow } }));
  };
}
