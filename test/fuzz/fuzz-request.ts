import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { applyMutations, mutateText, textMutation, toJsonText, valueMutation, type BodyValue, type TextMutation, type ValueMutation } from './json-mutations.js';
import type { ApiModel, JsonSchema, Operation, OperationParameter } from './openapi-operations.js';
import type { IdPool } from './platform-state.js';
import { schemaArbitrary, type SchemaHints } from './schema-arbitrary.js';

/**
 * One generated request, as a recipe: ids are "the n-th real app" rather than an id, resolved
 * against the pool when sent, so a seed replays the same requests on a fresh platform.
 */
export interface RequestRecipe {
  operation: Operation;
  /** Generated to pass: an app caller then names its own app in `?appId=`. */
  clean: boolean;
  /** The operation's method, or one its path does not offer. */
  method: string;
  caller: CallerRecipe;
  pathParams: Record<string, IdRecipe>;
  query: QueryRecipe[];
  headers: [string, string][];
  body?: BodyRecipe;
}

export type IdRecipe = { real: true; pick: number } | { real: false; raw: string };
export type CallerRecipe =
  | { kind: 'operator'; scheme: string }
  | { kind: 'app'; pick: number; scheme: string }
  | { kind: 'none' }
  | { kind: 'raw'; label: string; authorization: string };
export interface QueryRecipe {
  name: string;
  /** Already percent-encoded (or deliberately not), or a real id to look up. */
  value: { raw: string } | { id: IdRecipe; prefix: string } | { cursor: number };
}
export interface BodyRecipe {
  value: BodyValue;
  mutations: ValueMutation[];
  text: TextMutation;
  contentType: string | null;
}

/** A request resolved against the live ids: what goes on the wire. */
export interface ResolvedRequest {
  operationId: string;
  method: string;
  path: string;
  callerLabel: string;
  headers: Record<string, string>;
  body?: string;
  recipe: RequestRecipe;
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** Who can call: the operator token and the fixture apps' keys (the first is "the" app). */
export interface Callers {
  operatorToken: string;
  apps: { label: string; appId: string; key: string }[];
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const SCHEMES = fc.oneof({ weight: 12, arbitrary: fc.constant('Bearer') }, { weight: 1, arbitrary: fc.constantFrom('bearer', 'BEARER', 'Bearer ', 'Token') });
const ULID_CHARS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Header values node:http will send (it refuses the rest before anything reaches the server). */
function sendable(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('NaN', 'Infinity', '-1', '0', '1e400', '99999999999999999999', '0x10', 'null', 'undefined', 'true', '[]', '{}', '__proto__', '$ne'),
  fc.constantFrom(300, 5_000, 70_000).map((length) => 'x'.repeat(length)),
  fc.constantFrom('a\u0000b', 'a\nb', '\u202e', '😀', 'é'),
);

function randomId(prefix: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...ULID_CHARS), minLength: 26, maxLength: 26 }).map((tail) => `${prefix}${tail}`) },
    { weight: 2, arbitrary: hostileString.map(encodeURIComponent) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', '%', '%zz', '%E0%A4%A', '', '*', prefix, `${prefix}%00`, 'a'.repeat(5_000), ';', '%3Bx', '..%2F..%2Fhealthz', 'app_/keys'),
    },
  );
}

function idRecipe(prefix: string): fc.Arbitrary<IdRecipe> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((pick) => ({ real: true as const, pick })) },
    { weight: 2, arbitrary: randomId(prefix).map((raw) => ({ real: false as const, raw })) },
  );
}

/** The id prefix a path or query parameter takes: from its description, else from its name. */
function prefixOf(parameter: OperationParameter): string | undefined {
  if (parameter.idPrefix) return parameter.idPrefix;
  return ({ appId: 'app_', keyId: 'key_', subscription: 'sub_', event: 'evt_', delivery: 'dlv_' } as Record<string, string>)[parameter.name];
}

/** A parameter's value as text, from its schema, the hints consulted under its name. */
function schemaValueText(schema: JsonSchema, hints?: SchemaHints, name?: string): fc.Arbitrary<string> {
  return schemaArbitrary(schema, hints, name === undefined ? [] : [name]).map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
}

function queryRecipes(operation: Operation, hints: SchemaHints, clean: boolean): fc.Arbitrary<QueryRecipe[]> {
  const perParameter = operation.parameters
    .filter((parameter) => parameter.in === 'query')
    .map((parameter) => {
      const prefix = prefixOf(parameter);
      if (clean) {
        const valid: fc.Arbitrary<QueryRecipe['value']> = prefix
          ? fc.nat().map((pick) => ({ id: { real: true as const, pick }, prefix }))
          : parameter.name === 'cursor'
            ? fc.nat().map((cursor) => ({ cursor }))
            : schemaValueText(parameter.schema, hints, parameter.name).map((text) => ({ raw: encodeURIComponent(text) }));
        // The operator must name the app it creates for: ids are nearly always given.
        return fc.option(valid.map((v) => [{ name: parameter.name, value: v }]), { nil: [] as QueryRecipe[], freq: prefix ? 10 : 3 });
      }
      const value: fc.Arbitrary<QueryRecipe['value']> = fc.oneof(
        { weight: 4, arbitrary: schemaValueText(parameter.schema, hints, parameter.name).map((text) => ({ raw: encodeURIComponent(text) })) },
        ...(prefix ? [{ weight: 4, arbitrary: idRecipe(prefix).map((id) => ({ id, prefix })) }] : []),
        ...(parameter.name === 'cursor' ? [{ weight: 3, arbitrary: fc.nat().map((cursor) => ({ cursor })) }] : []),
        { weight: 2, arbitrary: hostileString.map((text) => ({ raw: encodeURIComponent(text) })) },
        { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', '%E0%A4%A', 'a+b', '%2B').map((raw) => ({ raw })) },
      );
      // Absent, once, or repeated (?limit=1&limit=2), and sometimes in bracket form (limit[a]=1).
      return fc.oneof(
        { weight: 3, arbitrary: fc.constant<QueryRecipe[]>([]) },
        { weight: 5, arbitrary: value.map((v) => [{ name: parameter.name, value: v }]) },
        { weight: 1, arbitrary: fc.tuple(value, value).map(([a, b]) => [{ name: parameter.name, value: a }, { name: parameter.name, value: b }]) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom('[]', '[a]', '[__proto__]', '[0][0]'), value).map(([suffix, v]) => [{ name: `${parameter.name}${suffix}`, value: v }]) },
      );
    });
  const unknown = fc.oneof(
    { weight: 6, arbitrary: fc.constant<QueryRecipe[]>([]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('foo', '__proto__', 'constructor[prototype][polluted]', '__proto__[polluted]', 'a'.repeat(300)), hostileString)
        .map(([name, text]) => [{ name, value: { raw: encodeURIComponent(text) } }]),
    },
  );
  return fc.tuple(...perParameter, clean ? fc.constant<QueryRecipe[]>([]) : unknown).map((lists) => lists.flat());
}

function headerRecipes(operation: Operation, clean: boolean): fc.Arbitrary<[string, string][]> {
  const documented = operation.parameters
    .filter((parameter) => parameter.in === 'header')
    .map((parameter) =>
      fc.oneof(
        { weight: 2, arbitrary: fc.constant<[string, string][]>([]) },
        { weight: 3, arbitrary: schemaValueText(parameter.schema).map((text) => [[parameter.name, sendable(text)]] as [string, string][]) },
        { weight: clean ? 0 : 1, arbitrary: hostileString.map((text) => [[parameter.name, sendable(text)]] as [string, string][]) },
      ),
    );
  const extra = fc.oneof(
    { weight: 8, arbitrary: fc.constant<[string, string][]>([]) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<[string, string][]>(
        [['x-request-id', 'x'.repeat(5_000)]],
        [['x-request-id', 'a\tb']],
        [['x-forwarded-for', '1.2.3.4, 5.6.7.8']],
        [['x-forwarded-for', 'not-an-ip']],
        [['accept', 'text/html']],
        [['accept-encoding', 'gzip, br']],
        [['content-encoding', 'gzip']],
        [['x-http-method-override', 'DELETE']],
        [['traceparent', '00-' + '0'.repeat(32) + '-' + '0'.repeat(16) + '-01']],
        [['cookie', 'a=' + 'b'.repeat(3_000)]],
      ),
    },
  );
  return fc.tuple(...documented, clean ? fc.constant<[string, string][]>([]) : extra).map((lists) => lists.flat());
}

const callerRecipe: fc.Arbitrary<CallerRecipe> = fc.oneof(
  { weight: 5, arbitrary: SCHEMES.map((scheme) => ({ kind: 'operator' as const, scheme })) },
  { weight: 6, arbitrary: fc.tuple(fc.nat(), SCHEMES).map(([pick, scheme]) => ({ kind: 'app' as const, pick, scheme })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_'), minLength: 1, maxLength: 60 }).map((token) => ({ kind: 'raw' as const, label: 'a wrong key', authorization: `Bearer hg_${token}` })),
      fc.constantFrom(
        { kind: 'raw' as const, label: 'a 20 KB bearer token', authorization: `Bearer ${'a'.repeat(20_000)}` },
        { kind: 'raw' as const, label: 'a 10 KB bearer token', authorization: `Bearer ${'a'.repeat(10_000)}` },
        { kind: 'raw' as const, label: 'Basic credentials', authorization: 'Basic dXNlcjpwYXNz' },
        { kind: 'raw' as const, label: 'a bare scheme', authorization: 'Bearer' },
        { kind: 'raw' as const, label: 'a JWT-shaped token', authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
        { kind: 'raw' as const, label: 'a token with latin-1 bytes', authorization: 'Bearer hg_\u00e9\u00ff' },
      ),
    ),
  },
);

const CONTENT_TYPES = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<string | null>(
      null,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/json; charset=nonsense',
      'application/merge-patch+json',
      'application/problem+json',
      'application/xml',
      '*/*',
      'application/json, text/plain',
    ),
  },
);

function bodyRecipe(schema: JsonSchema | undefined, hints: SchemaHints, clean: boolean): fc.Arbitrary<BodyRecipe> {
  const valid = schema ? schemaArbitrary(schema, hints) : fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 2 }));
  if (clean) return fc.record({ value: valid, mutations: fc.constant([]), text: fc.constant({ kind: 'none' as const }), contentType: fc.constant('application/json') });
  const mutations = fc.oneof({ weight: 1, arbitrary: fc.constant<ValueMutation[]>([]) }, { weight: 5, arbitrary: fc.array(valueMutation, { minLength: 1, maxLength: 3 }) });
  return fc.record({ value: valid, mutations, text: textMutation, contentType: CONTENT_TYPES });
}

/**
 * Requests for one operation. Half are clean (the operation's method, a real credential, real
 * ids, a body from the schema and hints), so that handlers are reached and state builds up;
 * the other half are mutated wherever a tenant has a say: body, content type, path, query,
 * headers, method, credential.
 */
function operationRecipe(operation: Operation, model: ApiModel, hints: SchemaHints, clean: boolean): fc.Arbitrary<RequestRecipe> {
  const siblings = new Set(model.operations.filter((other) => other.path === operation.path).map((other) => other.method));
  const wrongMethods = OTHER_METHODS.filter((method) => !siblings.has(method) && !(method === 'HEAD' && siblings.has('GET')));
  const method =
    clean || wrongMethods.length === 0
      ? fc.constant(operation.method)
      : fc.oneof({ weight: 8, arbitrary: fc.constant(operation.method) }, { weight: 1, arbitrary: fc.constantFrom(...wrongMethods) });
  const pathParams = fc.record(
    Object.fromEntries(
      operation.parameters
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => [parameter.name, clean ? fc.nat().map((pick): IdRecipe => ({ real: true, pick })) : idRecipe(prefixOf(parameter) ?? '')]),
    ) as Record<string, fc.Arbitrary<IdRecipe>>,
  );
  // Without a body where one is required, and now and then with one where none is taken.
  const body = operation.body
    ? clean
      ? bodyRecipe(operation.body, hints, true)
      : fc.oneof({ weight: 12, arbitrary: bodyRecipe(operation.body, hints, false) }, { weight: 1, arbitrary: fc.constant(undefined) })
    : clean
      ? fc.constant(undefined)
      : fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bodyRecipe(undefined, hints, false) });
  // An operation that documents 403 is not for every caller (the operator's): clean requests use the operator.
  const operatorOnly = operation.statuses.includes(403);
  const caller = clean && operatorOnly ? fc.constant({ kind: 'operator' as const, scheme: 'Bearer' }) : clean ? fc.oneof(fc.constant({ kind: 'operator' as const, scheme: 'Bearer' }), fc.nat().map((pick) => ({ kind: 'app' as const, pick, scheme: 'Bearer' }))) : callerRecipe;
  return fc
    .record({ operation: fc.constant(operation), clean: fc.constant(clean), method, caller, pathParams, query: queryRecipes(operation, hints, clean), headers: headerRecipes(operation, clean), body })
    .map(({ body: generated, ...rest }) => withDescription(generated === undefined ? rest : { ...rest, body: generated }));
}

/**
 * A round: one request to every operation of the model, clean or mutated at even odds, in a
 * shuffled order. Rounds (rather than single requests) make every route covered in any run.
 */
export function requestRounds(model: ApiModel, hints: SchemaHints): fc.Arbitrary<RequestRecipe[]> {
  const perOperation = model.operations.map((operation) => fc.oneof(operationRecipe(operation, model, hints, true), operationRecipe(operation, model, hints, false)));
  const order = fc.array(fc.nat(), { minLength: perOperation.length, maxLength: perOperation.length });
  return fc.tuple(fc.tuple(...perOperation), order).map(([recipes, keys]) => {
    const round = recipes.map((recipe, index) => ({ recipe, key: keys[index]! })).sort((a, b) => a.key - b.key).map(({ recipe }) => recipe);
    Object.defineProperty(round, fc.toStringMethod, { value: () => `a round of ${round.length} requests:\n  ${round.map((recipe) => String((recipe as any)[fc.toStringMethod]())).join('\n  ')}` });
    return round;
  });
}

/** fast-check prints a counterexample with this: short, where the value may hold megabytes. */
function withDescription(recipe: RequestRecipe): RequestRecipe {
  Object.defineProperty(recipe, fc.toStringMethod, {
    value: () => {
      const mutations = recipe.body?.mutations.map((mutation) => (mutation.kind === 'replace' ? `${mutation.label} at node ${mutation.at}` : `${mutation.kind} at node ${mutation.at}`)) ?? [];
      const text = recipe.body && recipe.body.text.kind !== 'none' ? [`text: ${recipe.body.text.kind}`] : [];
      return `${recipe.method} ${recipe.operation.path} (${recipe.operation.id}) as ${describeCaller(recipe.caller)}${mutations.length + text.length ? `; mutations: ${[...mutations, ...text].join(', ')}` : ''}`;
    },
  });
  return recipe;
}

function describeCaller(caller: CallerRecipe): string {
  switch (caller.kind) {
    case 'operator':
      return `the operator (${caller.scheme})`;
    case 'app':
      return `app key #${caller.pick} (${caller.scheme})`;
    case 'none':
      return 'no credential';
    case 'raw':
      return caller.label;
  }
}

function resolveId(recipe: IdRecipe, prefix: string, pool: IdPool, forDelete: boolean, ownerAppId?: string): string {
  if (!recipe.real) return recipe.raw;
  const entry = pool.pick(prefix, recipe.pick, forDelete, ownerAppId);
  return entry ? encodeURIComponent(entry.id) : `${prefix}00000000000000000000000000`;
}

/** Turns a recipe into the bytes to send, with ids from the pool. */
export function resolveRequest(recipe: RequestRecipe, pool: IdPool, callers: Callers): ResolvedRequest {
  const { operation } = recipe;
  const forDelete = recipe.method === 'DELETE';
  // A clean request by an app aims at that app's own resources.
  const callerApp = recipe.caller.kind === 'app' ? callers.apps[recipe.caller.pick % callers.apps.length] : undefined;
  const owner = recipe.clean ? callerApp?.appId : undefined;
  let path = operation.path;
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'path')) {
    const idRecipe = recipe.pathParams[parameter.name]!;
    // A key's app is its own app unless the other id is random: a real pair, mismatched only by chance.
    let id: string;
    if (parameter.name === 'appId' && idRecipe.real && recipe.pathParams.keyId?.real) {
      const key = pool.pick('key_', recipe.pathParams.keyId.pick, forDelete);
      id = key?.appId && idRecipe.pick % 4 !== 0 ? encodeURIComponent(key.appId) : resolveId(idRecipe, 'app_', pool, forDelete);
    } else {
      id = resolveId(idRecipe, prefixOf(parameter) ?? '', pool, forDelete, owner);
    }
    path = path.replace(`{${parameter.name}}`, id);
  }
  const query = recipe.query.map(({ name, value }) => {
    const text =
      'raw' in value
        ? value.raw
        : 'cursor' in value
          ? encodeURIComponent(pool.cursors[value.cursor % Math.max(1, pool.cursors.length)] ?? 'none')
          : recipe.clean && callerApp && value.prefix === 'app_'
            ? callerApp.appId
            : resolveId(value.id, value.prefix, pool, false);
    return `${encodeURIComponent(name).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${text}`;
  });
  if (query.length > 0) path += `?${query.join('&')}`;

  const headers: Record<string, string> = {};
  let callerLabel: string;
  const { caller } = recipe;
  if (caller.kind === 'operator') {
    headers.authorization = `${caller.scheme} ${callers.operatorToken}`;
    callerLabel = `the operator (${caller.scheme})`;
  } else if (caller.kind === 'app') {
    const app = callers.apps[caller.pick % callers.apps.length]!;
    headers.authorization = `${caller.scheme} ${app.key}`;
    callerLabel = `${app.label}'s key (${caller.scheme}), app ${app.appId}`;
  } else if (caller.kind === 'raw') {
    headers.authorization = sendable(caller.authorization);
    callerLabel = caller.label;
  } else {
    callerLabel = 'no credential';
  }
  for (const [name, value] of recipe.headers) headers[name.toLowerCase()] = value;

  let body: string | undefined;
  if (recipe.body) {
    body = mutateText(toJsonText(applyMutations(recipe.body.value, recipe.body.mutations)), recipe.body.text);
    if (recipe.body.contentType !== null) headers['content-type'] = recipe.body.contentType;
  }
  return { operationId: operation.id, method: recipe.method, path, callerLabel, headers, ...(body !== undefined ? { body } : {}), recipe };
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Sends with node:http, so paths and bodies go out byte for byte (fetch would normalise them). */
export function sendRequest(baseUrl: string, request: ResolvedRequest, timeoutMs = 15_000): Promise<FuzzResponse> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}) },
        agent,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', (error) => reject(error));
    outgoing.end(request.body);
  });
}

function clip(text: string, max = 1_500): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters in all)`;
}

/** The request and the answer, readable in a failure message. */
export function describeExchange(request: ResolvedRequest, response: FuzzResponse | undefined): string {
  const headers = Object.entries(request.headers)
    .filter(([name]) => name !== 'authorization')
    .map(([name, value]) => `  ${name}: ${clip(value, 200)}`);
  const lines = [
    `${request.method} ${clip(request.path, 400)}  (${request.operationId}, as ${request.callerLabel})`,
    ...headers,
    request.body === undefined ? '  (no body)' : `  body: ${clip(request.body)}`,
    `  recipe: ${String((request.recipe as any)[fc.toStringMethod]?.() ?? '')}`,
  ];
  if (response) {
    lines.push(`-> ${response.status} in ${response.ms.toFixed(0)} ms, content-type: ${String(response.headers['content-type'] ?? '(none)')}`, `  ${clip(response.body)}`);
  }
  return lines.join('\n');
}
