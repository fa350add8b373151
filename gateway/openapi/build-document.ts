import { z } from 'zod';
import { errorCatalogue } from '../../shared/errors/index.js';
import type { AnyRouteSpec, NamedSchema, ResponseSpec } from '../routing/index.js';
import { problemSchema } from '../v1/schemas/index.js';
import { componentSchemas, inlineSchema, objectFields, ref, type JsonSchema } from './json-schema.js';

export interface OpenApiDocumentOptions {
  routes: readonly AnyRouteSpec[];
  version: string;
}

const PROBLEM = 'Problem';
const PROBLEM_CONTENT = { 'application/problem+json': { schema: ref(PROBLEM) } };

const RATE_LIMIT_HEADERS = {
  RateLimit: { description: 'IETF RateLimit (draft 8): remaining quota and seconds to reset', schema: { type: 'string' } },
  'RateLimit-Policy': { description: 'IETF RateLimit-Policy (draft 8): quota and window', schema: { type: 'string' } },
};

function problemTitle(status: number): string {
  return Object.values(errorCatalogue).find((entry) => entry.status === status)?.title ?? 'Error';
}

/** The problem answers a route can give, from what it declares: access, parameters, body. */
function problemStatuses(route: AnyRouteSpec): number[] {
  const statuses = new Set<number>(route.problems ?? []);
  const namesApp = route.query !== undefined && objectFields(route.query).some((field) => field.name === 'appId');
  if (route.access !== 'public') [401, 429].forEach((status) => statuses.add(status));
  if (route.access === 'operator') statuses.add(403);
  if (route.params !== undefined || namesApp) statuses.add(404);
  if (route.query !== undefined) statuses.add(422);
  if (route.body !== undefined) [400, 413, 415, 422].forEach((status) => statuses.add(status));
  return [...statuses].sort((a, b) => a - b);
}

function problemResponse(status: number): JsonSchema {
  const headers: Record<string, unknown> = {};
  if (status === 401) headers['WWW-Authenticate'] = { description: 'Bearer', schema: { type: 'string' } };
  if (status === 429) Object.assign(headers, RATE_LIMIT_HEADERS);
  if (status === 429 || status === 503) headers['Retry-After'] = { description: 'Seconds to wait before retrying', schema: { type: 'integer' } };
  return { description: problemTitle(status), ...(Object.keys(headers).length ? { headers } : {}), content: PROBLEM_CONTENT };
}

function successResponse(response: ResponseSpec, authenticated: boolean): JsonSchema {
  const headers: Record<string, unknown> = authenticated ? { ...RATE_LIMIT_HEADERS } : {};
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    headers[name] = { description: header.description, schema: inlineSchema(header.schema, 'output') };
  }
  const content =
    response.contentType !== undefined
      ? { [response.contentType.split(';')[0]!]: { schema: { type: 'string' } } }
      : response.schema !== undefined
        ? { 'application/json': { schema: ref(response.schema.name) } }
        : undefined;
  return { description: response.description, ...(Object.keys(headers).length ? { headers } : {}), ...(content ? { content } : {}) };
}

function parameters(route: AnyRouteSpec): JsonSchema[] {
  const fromObject = (schema: z.ZodType | undefined, where: 'path' | 'query') =>
    schema === undefined
      ? []
      : objectFields(schema).map((field) => {
          const json = inlineSchema(field.schema);
          const description = typeof json.description === 'string' ? { description: json.description } : {};
          return { name: field.name, in: where, required: where === 'path' || field.required, ...description, schema: json };
        });
  const headers = (route.headers ?? []).map((header) => ({
    name: header.name,
    in: 'header',
    required: false,
    description: header.description,
    schema: inlineSchema(header.schema),
  }));
  return [...fromObject(route.params, 'path'), ...fromObject(route.query, 'query'), ...headers];
}

function operation(route: AnyRouteSpec): JsonSchema {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) responses[status] = successResponse(response, route.access !== 'public');
  for (const status of problemStatuses(route)) responses[String(status)] = problemResponse(status);
  responses.default = { description: 'Unexpected error', content: PROBLEM_CONTENT };
  const params = parameters(route);
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description !== undefined ? { description: route.description } : {}),
    tags: [route.tag],
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(route.access === 'operator' ? { 'x-hookgate-access': 'operator' } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(route.body !== undefined
      ? { requestBody: { required: true, content: { 'application/json': { schema: ref(route.body.name) } } } }
      : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of every route served, generated from the same route declarations
 * and zod schemas that validate requests, so the document cannot drift from the API.
 */
export function buildOpenApiDocument(options: OpenApiDocumentOptions): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of options.routes) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
  const requestSchemas = options.routes.flatMap((route) => (route.body ? [route.body] : []));
  const responseSchemas: NamedSchema[] = [
    { name: PROBLEM, schema: problemSchema },
    ...options.routes.flatMap((route) => Object.values(route.responses).flatMap((response) => (response.schema ? [response.schema] : []))),
  ];
  const requestComponents = componentSchemas(requestSchemas, 'input');
  const responseComponents = componentSchemas(responseSchemas, 'output');
  const clash = Object.keys(requestComponents).find((name) => name in responseComponents);
  if (clash !== undefined) throw new Error(`OpenAPI: ${clash} names both a request and a response schema`);
  const tags = [...new Set(options.routes.map((route) => route.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'hookgate',
      version: options.version,
      description:
        'Webhook platform API: apps and keys (operator), subscriptions, events, deliveries. Errors are RFC 9457 problem+json.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags,
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: { ...requestComponents, ...responseComponents },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An app API key (hg_...) or the operator token (HOOKGATE_ADMIN_TOKEN).',
        },
      },
    },
  };
}
