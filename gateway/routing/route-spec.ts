import type { Request } from 'express';
import type { z } from 'zod';
import type { Logger } from '../../shared/logger.js';
import type { RouteAccess } from '../middleware/require-caller.js';
import type { Caller } from '../request-state.js';

/** A schema with the name it has in the OpenAPI document's `components.schemas`. */
export interface NamedSchema<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
}

export function named<S extends z.ZodType>(name: string, schema: S): NamedSchema<S> {
  return { name, schema };
}

export interface ResponseSpec {
  description: string;
  /** The body; replies are parsed through it, so a field it does not name never leaves the gateway. */
  schema?: NamedSchema;
  /** A body that is not JSON (e.g. Prometheus text). */
  contentType?: string;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

/** A request header the route reads, documented as an OpenAPI header parameter. */
export interface HeaderSpec {
  name: string;
  description: string;
  schema: z.ZodType;
}

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, A extends RouteAccess> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  caller: A extends 'public' ? undefined : Caller;
  req: Request;
  logger: Logger;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One operation of the API: how Express serves it and how the OpenAPI document describes it,
 * from the same schemas, so the two cannot drift apart.
 */
export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  A extends RouteAccess = RouteAccess,
> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI form: `/v1/subscriptions/{id}`, `/v1/events:batch`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: A;
  /** Path parameters; a value that fails them answers 404, as an unknown id would. */
  params?: P;
  query?: Q;
  body?: NamedSchema<B>;
  headers?: HeaderSpec[];
  /** Success responses by status. */
  responses: Record<number, ResponseSpec>;
  /** Problem statuses this route answers beyond those its access, parameters and body imply. */
  problems?: number[];
  handle(input: RouteInput<P, Q, B, A>): Promise<Reply>;
}

export type AnyRouteSpec = RouteSpec<z.ZodType, z.ZodType, z.ZodType, RouteAccess>;

/**
 * Declares a route with its inputs typed from its schemas.
 *
 * @example
 * defineRoute({ method: 'get', path: '/v1/apps/{appId}', access: 'operator', params, ..., handle: async ({ params }) => ({ status: 200, body: app }) })
 */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, A extends RouteAccess>(
  spec: RouteSpec<P, Q, B, A>,
): AnyRouteSpec {
  return spec as unknown as AnyRouteSpec;
}
