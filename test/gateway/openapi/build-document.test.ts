import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../gateway-harness.js';

/** Every route API.md names, and the unversioned ones every tier serves. */
const API_ROUTES = [
  'post /v1/apps',
  'get /v1/apps',
  'get /v1/apps/{appId}',
  'delete /v1/apps/{appId}',
  'post /v1/apps/{appId}/keys',
  'get /v1/apps/{appId}/keys',
  'delete /v1/apps/{appId}/keys/{keyId}',
  'post /v1/subscriptions',
  'get /v1/subscriptions',
  'get /v1/subscriptions/{id}',
  'patch /v1/subscriptions/{id}',
  'delete /v1/subscriptions/{id}',
  'get /v1/subscriptions/{id}/secret',
  'post /v1/subscriptions/{id}/secret/rotate',
  'post /v1/subscriptions/{id}/replay',
  'post /v1/events',
  'post /v1/events:batch',
  'get /v1/events',
  'get /v1/events/{id}',
  'get /v1/deliveries',
  'get /v1/deliveries/{id}',
  'post /v1/deliveries/{id}/retry',
  'get /healthz',
  'get /readyz',
  'get /metrics',
  'get /openapi.json',
];

const PUBLIC = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};

function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, into));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') into.push(inner);
      else refsIn(inner, into);
    }
  }
  return into;
}

describe('gateway /openapi.json', () => {
  let gateway: GatewayHarness;
  let document: {
    openapi: string;
    info: { version: string };
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
  };

  beforeAll(async () => {
    gateway = await startGateway();
    const response = await gateway.anonymous.get('/openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('is an OpenAPI 3.1 document listing exactly the routes of API.md', () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    const listed = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
    expect(listed.sort()).toEqual([...API_ROUTES].sort());
  });

  it('describes each operation with its parameters, body, responses and the problem schema, all references resolving', () => {
    const subscriptions = document.paths['/v1/subscriptions']!;
    expect(subscriptions.post!.requestBody!.content['application/json']!.schema.$ref).toBe('#/components/schemas/SubscriptionCreate');
    expect(document.components.schemas.SubscriptionCreate!.required!.sort()).toEqual(['events', 'url']);
    expect(subscriptions.get!.parameters!.map((parameter) => parameter.name).sort()).toEqual(['appId', 'cursor', 'limit']);
    expect(document.paths['/v1/deliveries/{id}']!.get!.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
      expect.objectContaining({ name: 'appId', in: 'query', required: false }),
    ]);
    expect(document.paths['/v1/events']!.post!.parameters!.map((parameter) => parameter.name)).toContain('Idempotency-Key');
    expect(document.components.schemas.Problem!.properties).toHaveProperty('errors');

    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.operationId, `${method} ${path}`).toEqual(expect.any(String));
        expect(operation.responses.default!.content!['application/problem+json']!.schema.$ref).toBe('#/components/schemas/Problem');
        if (!PUBLIC.has(path)) expect(operation.responses['401'], `${method} ${path}`).toBeDefined();
      }
    }
    for (const ref of refsIn(document)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(document.components.schemas, ref).toHaveProperty(ref.slice('#/components/schemas/'.length));
    }
  });

  it('documents only routes the gateway serves: each answers, none is an unknown route', async () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        const concrete = path.replace(/\{appId\}/g, 'app_x').replace(/\{[A-Za-z]+\}/g, 'x');
        const response = await gateway.anonymous.call(method.toUpperCase(), concrete);
        // Without credentials a served /v1 route answers 401; an unknown route would answer 404.
        expect(response.status, `${method} ${path}`).toBe(PUBLIC.has(path) ? 200 : 401);
      }
    }
  });
});
