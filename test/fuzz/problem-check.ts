import type { JsonSchema } from './openapi-operations.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function typeErrors(value: unknown, schema: JsonSchema, path: string): string[] {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) return [];
  const matches = types.some((type: string) => {
    switch (type) {
      case 'string':
        return typeof value === 'string';
      case 'integer':
        return Number.isInteger(value);
      case 'number':
        return typeof value === 'number';
      case 'boolean':
        return typeof value === 'boolean';
      case 'null':
        return value === null;
      case 'array':
        return Array.isArray(value);
      case 'object':
        return value !== null && typeof value === 'object' && !Array.isArray(value);
      default:
        return true;
    }
  });
  if (!matches) return [`${path || 'body'} is ${JSON.stringify(value)?.slice(0, 80)}, not ${types.join(' or ')}`];
  const errors: string[] = [];
  if (Array.isArray(value) && schema.items) value.forEach((item, index) => errors.push(...typeErrors(item, schema.items, `${path}[${index}]`)));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in record)) errors.push(`${path ? `${path}.` : ''}${name} is missing`);
    for (const [name, item] of Object.entries(record)) {
      if (properties[name]) errors.push(...typeErrors(item, properties[name]!, path ? `${path}.${name}` : name));
      else if (schema.additionalProperties === false) errors.push(`${path ? `${path}.` : ''}${name} is not in the Problem schema`);
    }
  }
  return errors;
}

/**
 * What is wrong with a 4xx answer as RFC 9457 problem+json: its content type, its body against
 * the document's Problem schema, and its `status` against the HTTP status. Empty when right.
 */
export function problemErrors(answer: Answer, method: string, problemSchema: JsonSchema): string[] {
  const contentType = String(answer.headers['content-type'] ?? '');
  const errors: string[] = [];
  if (!/^application\/problem\+json\b/i.test(contentType)) errors.push(`a ${answer.status} with content-type "${contentType || '(none)'}", not application/problem+json`);
  // A HEAD answer has headers only.
  if (method === 'HEAD') return errors;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [...errors, `a ${answer.status} whose body is not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`];
  }
  errors.push(...typeErrors(body, problemSchema, '').map((error) => `problem body: ${error}`));
  const status = (body as { status?: unknown } | null)?.status;
  if (status !== undefined && status !== answer.status) errors.push(`problem body says status ${JSON.stringify(status)}, the answer is ${answer.status}`);
  return errors;
}
