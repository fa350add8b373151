/**
 * The fuzz test's view of the OpenAPI document a running hookgate serves: every operation
 * with its parameters and request-body JSON Schema, `$ref`s resolved. Nothing here knows the
 * routes by name, so a route added to the API is fuzzed without touching the test.
 */

/** A JSON Schema node as the document writes it (draft 2020-12 subset zod emits). */
export type JsonSchema = Record<string, any>;

export interface OperationParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
  /** For a path parameter: the id prefix its description names, e.g. `app_` for "App id (app_...)". */
  idPrefix?: string;
}

export interface Operation {
  /** The document's operationId, e.g. `createSubscription`. */
  id: string;
  method: string;
  /** The path template, e.g. `/v1/apps/{appId}/keys`. */
  path: string;
  parameters: OperationParameter[];
  /** The JSON body's schema, when the operation takes one. */
  body?: JsonSchema;
  bodyRequired: boolean;
  /** Statuses the document lists (`default` left out). */
  statuses: number[];
  /** False when the operation declares `security: []` (no credential needed). */
  authenticated: boolean;
}

export interface ApiModel {
  operations: Operation[];
  /** The schema every error body must match (components.schemas.Problem). */
  problem: JsonSchema;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

/** Replaces every `$ref` to `#/components/...` with the schema it names (the API has no cycles). */
function resolveRefs(node: unknown, document: JsonSchema, seen: string[] = []): any {
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, document, seen));
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as JsonSchema).$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) throw new Error(`recursive $ref ${ref}: the fuzz generators do not handle cycles`);
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((value, segment) => value?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    return resolveRefs(target, document, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolveRefs(value, document, seen)]));
}

/** Reads the operations under `prefix` (default `/v1/`) out of an OpenAPI 3.1 document. */
export function readApiModel(document: JsonSchema, prefix = '/v1/'): ApiModel {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<JsonSchema>(document.paths ?? {})) {
    if (!path.startsWith(prefix)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((raw: JsonSchema) => {
        const parameter = resolveRefs(raw, document);
        const prefixMatch = /\(([a-z]+_)\.\.\.\)/.exec(parameter.schema?.description ?? parameter.description ?? '');
        return {
          name: parameter.name,
          in: parameter.in,
          required: parameter.required === true,
          schema: parameter.schema ?? {},
          ...(prefixMatch ? { idPrefix: prefixMatch[1] } : {}),
        } satisfies OperationParameter;
      });
      const content = operation.requestBody?.content?.['application/json'];
      operations.push({
        id: operation.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters,
        ...(content ? { body: resolveRefs(content.schema ?? {}, document) } : {}),
        bodyRequired: operation.requestBody?.required === true,
        statuses: Object.keys(operation.responses ?? {})
          .filter((status) => /^\d{3}$/.test(status))
          .map(Number),
        authenticated: !(Array.isArray(operation.security) && operation.security.length === 0),
      });
    }
  }
  const problem = document.components?.schemas?.Problem;
  if (problem === undefined) throw new Error('the OpenAPI document has no components.schemas.Problem');
  return { operations, problem: resolveRefs(problem, document) };
}
