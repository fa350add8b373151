import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { HookgateError, NotFoundError, ValidationError } from '../../shared/errors/index.js';
import type { RouteAccess } from '../middleware/require-caller.js';
import { methodNotAllowedHandler } from '../errors/problem-handler.js';
import { requestState } from '../request-state.js';
import type { AnyRouteSpec, Reply } from './route-spec.js';
import { fieldErrorsOf } from './validation.js';

export interface MountRoutesOptions {
  /** Checks the credential of every route that is not public. */
  authenticator: (access: Exclude<RouteAccess, 'public'>) => RequestHandler;
  jsonBody: RequestHandler;
}

/** `/v1/events:batch` -> `/v1/events\:batch`, `/v1/apps/{appId}` -> `/v1/apps/:appId` (Express 5 path syntax). */
export function toExpressPath(openApiPath: string): string {
  return openApiPath.replaceAll(':', '\\:').replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

function tagRoute(pattern: string): RequestHandler {
  return function tagMatchedRoute(_req, res, next) {
    requestState(res).route = pattern;
    next();
  };
}

function parseInput<S extends z.ZodType>(schema: S | undefined, value: unknown, onError: (error: z.ZodError) => Error): z.output<S> | undefined {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw onError(result.error);
  return result.data;
}

function sendReply(route: AnyRouteSpec, reply: Reply, res: Response): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.status(reply.status);
  const spec = route.responses[reply.status];
  if (reply.body === undefined) {
    res.end();
    return;
  }
  if (spec?.contentType !== undefined) {
    res.type(spec.contentType).send(reply.body);
    return;
  }
  const checked = spec?.schema?.schema.safeParse(reply.body);
  if (checked !== undefined && !checked.success) {
    throw new HookgateError('HG_ERR_INTERNAL', `The ${route.operationId} reply does not match its schema.`, { cause: checked.error });
  }
  res.json(checked === undefined ? reply.body : checked.data);
}

function routeHandler(route: AnyRouteSpec): RequestHandler {
  return async function handleRoute(req: Request, res: Response, _next: NextFunction) {
    const params = parseInput(route.params, req.params, () => new NotFoundError(`The resource at ${req.path}`));
    const query = parseInput(route.query, req.query, (error) => new ValidationError(fieldErrorsOf(error, '(query)')));
    const body = parseInput(route.body?.schema, req.body, (error) => new ValidationError(fieldErrorsOf(error, '(body)')));
    const state = requestState(res);
    const reply = await route.handle({ params, query, body, caller: state.caller, req, logger: state.logger });
    sendReply(route, reply, res);
  };
}

/**
 * Serves each route with its chain: route tag (for metrics), authentication, JSON body, input
 * validation, handler. Each path also answers other methods with 405.
 */
export function mountRoutes(router: Router, routes: readonly AnyRouteSpec[], options: MountRoutesOptions): void {
  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    const chain: RequestHandler[] = [tagRoute(route.path)];
    if (route.access !== 'public') chain.push(options.authenticator(route.access));
    if (route.body !== undefined) chain.push(options.jsonBody);
    chain.push(routeHandler(route));
    router[route.method](toExpressPath(route.path), ...chain);
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) {
    router.all(toExpressPath(path), tagRoute(path), methodNotAllowedHandler(methods));
  }
}
