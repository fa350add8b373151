import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMutations, RawJson, setOwn, toJsonText } from './json-mutations.js';
import { readApiModel } from './openapi-operations.js';
import { diffSnapshots } from './platform-state.js';
import { problemErrors } from './problem-check.js';
import { schemaArbitrary } from './schema-arbitrary.js';

// The fuzz test's own checks: if one of these passed everything, the fuzz would too.

const PROBLEM = {
  type: 'object',
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string' } },
  required: ['type', 'title', 'status', 'detail', 'code'],
  additionalProperties: false,
};
const problem = (body: unknown, contentType = 'application/problem+json; charset=utf-8', status = 404) => ({ status, headers: { 'content-type': contentType }, body: JSON.stringify(body) });
const valid = { type: 'https://hookgate.dev/problems/not-found', title: 'No such resource', status: 404, detail: 'x', code: 'HG_ERR_NOT_FOUND' };

describe('problemErrors', () => {
  it('accepts a problem+json body that matches the Problem schema and the status', () => {
    expect(problemErrors(problem(valid), 'GET', PROBLEM)).toEqual([]);
  });

  it('names a wrong content type, a missing field, an unknown field, a wrong status and a non-JSON body', () => {
    expect(problemErrors(problem(valid, 'application/json'), 'GET', PROBLEM)).toEqual(['a 404 with content-type "application/json", not application/problem+json']);
    const { code: _code, ...withoutCode } = valid;
    expect(problemErrors(problem(withoutCode), 'GET', PROBLEM)).toEqual(['problem body: code is missing']);
    expect(problemErrors(problem({ ...valid, stack: 'at x' }), 'GET', PROBLEM)).toEqual(['problem body: stack is not in the Problem schema']);
    expect(problemErrors(problem(valid, undefined, 400), 'GET', PROBLEM)).toEqual(['problem body says status 404, the answer is 400']);
    expect(problemErrors({ status: 431, headers: {}, body: '' }, 'GET', PROBLEM)).toHaveLength(2);
  });
});

describe('diffSnapshots', () => {
  it('reports what was created, changed and deleted, and nothing for equal snapshots', () => {
    const before = new Map([
      ['app_1', '{"name":"a"}'],
      ['sub_1', '{"url":"u"}'],
    ]);
    expect(diffSnapshots(before, new Map(before))).toEqual([]);
    const after = new Map([
      ['sub_1', '{"url":"v"}'],
      ['evt_1', 'app_1 order.paid'],
    ]);
    const lines = diffSnapshots(before, after);
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).toMatch(/created evt_1/);
    expect(lines.join('\n')).toMatch(/changed sub_1/);
    expect(lines.join('\n')).toMatch(/deleted app_1/);
  });
});

describe('body mutations', () => {
  it('put own __proto__ keys and raw JSON text on the wire', () => {
    const value: Record<string, unknown> = { a: 1 };
    setOwn(value, '__proto__', { polluted: true });
    expect(toJsonText({ value, n: new RawJson('1e400') })).toBe('{"value":{"a":1,"__proto__":{"polluted":true}},"n":1e400}');
  });

  it('leave the generated value itself unchanged', () => {
    const original = { a: { b: [1, 2] } };
    const mutated = applyMutations(original, [{ kind: 'drop-key', at: 0, pick: 0 }]);
    expect(mutated).toEqual({});
    expect(original).toEqual({ a: { b: [1, 2] } });
  });
});

describe('readApiModel and schemaArbitrary', () => {
  it('resolve $refs and generate bodies that satisfy required fields and bounds', () => {
    const model = readApiModel({
      paths: {
        '/v1/things/{id}': {
          post: {
            operationId: 'makeThing',
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', description: 'Thing id (thg_...)' } }],
            requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
            responses: { '201': {}, '403': {}, default: {} },
          },
        },
        '/healthz': { get: { responses: { '200': {} } } },
      },
      components: {
        schemas: {
          Problem: PROBLEM,
          Thing: { type: 'object', properties: { name: { type: 'string', minLength: 2, maxLength: 5 }, size: { type: 'integer', minimum: 1, maximum: 3 } }, required: ['name'], additionalProperties: false },
        },
      },
    });
    expect(model.operations).toHaveLength(1);
    const [operation] = model.operations;
    expect(operation).toMatchObject({ id: 'makeThing', method: 'POST', statuses: [201, 403], bodyRequired: true });
    expect(operation!.parameters[0]!.idPrefix).toBe('thg_');
    fc.assert(
      fc.property(schemaArbitrary(operation!.body!), (body) => {
        const thing = body as { name: string; size?: number };
        expect(thing.name.length).toBeGreaterThanOrEqual(2);
        expect(thing.name.length).toBeLessThanOrEqual(5);
        if (thing.size !== undefined) expect([1, 2, 3]).toContain(thing.size);
        expect(Object.keys(thing).every((key) => key === 'name' || key === 'size')).toBe(true);
      }),
      { seed: 1, numRuns: 100 },
    );
  });
});
