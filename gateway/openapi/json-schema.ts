import { z } from 'zod';
import type { NamedSchema } from '../routing/index.js';

export type JsonSchema = Record<string, unknown>;

export const COMPONENT_PREFIX = '#/components/schemas/';

/** Keys that make sense for a standalone JSON Schema document but not inside an OpenAPI one. */
function stripDocumentKeys(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** One schema inline (a parameter's), for the request side. */
export function inlineSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  return stripDocumentKeys(z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema);
}

/**
 * Named schemas as `components.schemas`, with every use of a named schema inside another one
 * as a `$ref`. Requests are described as callers send them (`io: 'input'`: defaults optional),
 * responses as the gateway answers them.
 */
export function componentSchemas(schemas: readonly NamedSchema[], io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  const seen = new Map<string, z.ZodType>();
  for (const { name, schema } of schemas) {
    const known = seen.get(name);
    if (known === schema) continue;
    if (known !== undefined) throw new Error(`OpenAPI: two different schemas are named ${name}`);
    seen.set(name, schema);
    registry.add(schema, { id: name });
  }
  const generated = z.toJSONSchema(registry, { io, unrepresentable: 'any', uri: (id) => COMPONENT_PREFIX + id });
  return Object.fromEntries(Object.entries(generated.schemas).map(([name, schema]) => [name, stripDocumentKeys(schema as JsonSchema)]));
}

export function ref(name: string): JsonSchema {
  return { $ref: COMPONENT_PREFIX + name };
}

/** The fields of an object schema (path or query parameters), each with whether it is required. */
export function objectFields(schema: z.ZodType): { name: string; schema: z.ZodType; required: boolean }[] {
  if (!(schema instanceof z.ZodObject)) throw new Error('OpenAPI: parameters must be described by an object schema');
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name,
    schema: field,
    required: !field.safeParse(undefined).success,
  }));
}
