import fc from 'fast-check';
import type { JsonSchema } from './openapi-operations.js';

/**
 * Values for one place in a body that the schema alone describes too loosely to be useful
 * (a `url` is "a string", an event pattern is "a string"): given the property name and its
 * path, an arbitrary of realistic (and, for the fuzz, hostile) values, or undefined to let the
 * schema decide.
 */
export type SchemaHints = (property: string, path: readonly (string | number)[], schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

/** Strings stay short unless the schema asks for more: long ones are the mutations' job. */
const STRING_CAP = 40;
const ITEMS_CAP = 4;

function isoDate(): fc.Arbitrary<string> {
  return fc
    .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
    .map((date) => date.toISOString());
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') return isoDate();
  if (typeof schema.pattern === 'string') {
    const maxLength = schema.maxLength as number | undefined;
    return fc.stringMatching(new RegExp(schema.pattern)).filter((value) => maxLength === undefined || value.length <= maxLength);
  }
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = Math.min((schema.maxLength as number | undefined) ?? STRING_CAP, Math.max(minLength, STRING_CAP));
  return fc.string({ minLength, maxLength });
}

function numberArbitrary(schema: JsonSchema): fc.Arbitrary<number> {
  const min = (schema.minimum as number | undefined) ?? (schema.exclusiveMinimum as number | undefined);
  const max = (schema.maximum as number | undefined) ?? (schema.exclusiveMaximum as number | undefined);
  if (schema.type === 'integer') {
    return fc.integer({ min: Math.max(min ?? -1e9, Number.MIN_SAFE_INTEGER), max: Math.min(max ?? 1e9, Number.MAX_SAFE_INTEGER) });
  }
  return fc
    .double({ min: min ?? -1e9, max: max ?? 1e9, noNaN: true, noDefaultInfinity: true })
    .filter((value) => (schema.exclusiveMinimum === undefined || value > schema.exclusiveMinimum) && (schema.exclusiveMaximum === undefined || value < schema.exclusiveMaximum));
}

/**
 * An arbitrary of values that match `schema` (the subset zod's JSON Schema output uses:
 * type, properties, required, additionalProperties, propertyNames, items, min/max sizes and
 * bounds, enum, const, anyOf/oneOf, pattern, format date-time), asking `hints` first at every
 * property. "Valid-ish": hints may deliberately step outside the schema.
 */
export function schemaArbitrary(schema: JsonSchema, hints: SchemaHints = () => undefined, path: readonly (string | number)[] = []): fc.Arbitrary<unknown> {
  const property = [...path].reverse().find((segment): segment is string => typeof segment === 'string') ?? '';
  const hinted = path.length > 0 ? hints(property, path, schema) : undefined;
  if (hinted !== undefined) return hinted;
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => schemaArbitrary(alternative, hints, path)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
    case 'number':
      return numberArbitrary(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.min((schema.maxItems as number | undefined) ?? ITEMS_CAP, minLength + ITEMS_CAP);
      return fc.array(schemaArbitrary(schema.items ?? {}, hints, [...path, 0]), { minLength, maxLength });
    }
    case 'object':
      return objectArbitrary(schema, hints, path);
    default:
      // No type: any JSON value (e.g. an event's data).
      return fc.jsonValue({ maxDepth: 3 });
  }
}

function objectArbitrary(schema: JsonSchema, hints: SchemaHints, path: readonly (string | number)[]): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const names = Object.keys(properties);
  if (names.length === 0) {
    if (schema.additionalProperties === false) return fc.constant({});
    const keys = schema.propertyNames ? (stringArbitrary({ type: 'string', ...schema.propertyNames }) as fc.Arbitrary<string>) : fc.string({ minLength: 1, maxLength: 12 });
    const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
    return fc.dictionary(keys, schemaArbitrary(values, hints, [...path, '*']), { maxKeys: 3 });
  }
  const required = new Set<string>((schema.required as string[] | undefined) ?? []);
  const model = Object.fromEntries(names.map((name) => [name, schemaArbitrary(properties[name]!, hints, [...path, name])]));
  return fc.record(model, { requiredKeys: names.filter((name) => required.has(name)) });
}
