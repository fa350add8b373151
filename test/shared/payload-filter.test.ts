import fc from 'fast-check';
import siftModule from 'sift';
import { describe, expect, it } from 'vitest';
import { compileFilter, filterErrors } from '../../shared/webhooks/payload-filter.js';

const sift = siftModule.default;

const envelope = (data: unknown) => ({ id: 'evt_1', type: 'order.paid', timestamp: '2026-01-01T00:00:00.000Z', data });
const paths = (filter: unknown) => filterErrors(filter).map((error) => error.path);

describe('payload filter: $regex runs on RE2', () => {
  it('takes linear time on a pattern that backtracks exponentially in JavaScript', () => {
    const crafted = `${'a'.repeat(5_000)}!`;
    expect(filterErrors({ 'data.s': { $regex: '(a|a)*$' } })).toEqual([]);
    const started = performance.now();
    expect(compileFilter({ 'data.s': { $regex: '(a|a)*$' } })(envelope({ s: crafted }))).toBe(true);
    expect(compileFilter({ 'data.s': { $regex: '^(a|a)*$' } })(envelope({ s: crafted }))).toBe(false);
    expect(compileFilter({ 'data.s': { $regex: '^(a+)+$' } })(envelope({ s: crafted }))).toBe(false);
    // JavaScript's engine would need longer than the universe has existed for the last two.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('refuses a pattern whose RE2 program is large enough to make linear time slow', () => {
    // `[a-z]{1000}` ten times took 14 s on a 100 KB string: linear, with a factor of 10,000 instructions.
    expect(filterErrors({ 'data.s': { $regex: '[a-z]{1000}'.repeat(10) } })).toEqual([
      { path: 'filter.data.s.$regex', message: expect.stringMatching(/compiles to \d+ RE2 instructions, more than 300/) },
    ]);
    expect(filterErrors({ 'data.s': { $regex: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } })).toEqual([]);
  });

  it.each([
    [{ $regex: 'RUSH', $options: 'i' }, 'Rush order', true],
    [{ $regex: 'RUSH' }, 'Rush order', false],
    [{ $regex: '^late$', $options: 'm' }, 'rush\nlate', true],
    [{ $regex: '^late$' }, 'rush\nlate', false],
    [{ $regex: 'rush.late', $options: 's' }, 'rush\nlate', true],
    [{ $regex: 'rush.late' }, 'rush\nlate', false],
    [{ $regex: '\\d{3}-\\d{4}', $options: 'u' }, 'call 555-0100', true],
    [{ $not: { $regex: '^x' } }, 'y', true],
  ])('%j on %j is %s', (query, value, expected) => {
    expect(filterErrors({ 'data.s': query })).toEqual([]);
    expect(compileFilter({ 'data.s': query })(envelope({ s: value }))).toBe(expected);
  });

  it('matches strings only, and any string of an array', () => {
    const matches = compileFilter({ 'data.s': { $regex: '^1' } });
    expect(matches(envelope({ s: 12 }))).toBe(false);
    expect(matches(envelope({ s: ['x', '12'] }))).toBe(true);
  });

  it.each([
    ['a back-reference', { 'data.s': { $regex: '^(a)\\1$' } }, 'filter.data.s.$regex'],
    ['a look-ahead', { 'data.s': { $regex: 'a(?=b)' } }, 'filter.data.s.$regex'],
    ['a look-behind inside $or', { $or: [{ 'data.s': { $regex: '(?<!a)b' } }] }, 'filter.$or.0.data.s.$regex'],
    ['invalid syntax', { type: { $regex: 'order.(paid' } }, 'filter.type.$regex'],
    ['a flag RE2 has no use for', { 'data.s': { $regex: 'a', $options: 'g' } }, 'filter.data.s.$regex'],
    ['a pattern over 512 characters', { 'data.s': { $regex: 'a'.repeat(513) } }, 'filter.data.s.$regex'],
  ])('refuses %s, naming the field', (_name, filter, path) => {
    expect(paths(filter)).toEqual([path]);
  });
});

describe('payload filter: field paths', () => {
  it.each([
    ['__proto__ at the top', '{"__proto__": {"$gt": 1}}', 'filter.__proto__'],
    ['__proto__ inside a path', '{"data.__proto__.x": 1}', 'filter.data.__proto__.x'],
    ['constructor inside $and', '{"$and": [{"data.constructor": {"$exists": true}}]}', 'filter.$and.0.data.constructor'],
    ['toString inside $elemMatch', '{"data.items": {"$elemMatch": {"toString": {"$exists": true}}}}', 'filter.data.items.$elemMatch.toString'],
    ['hasOwnProperty inside $not', '{"data.items": {"$not": {"hasOwnProperty": 1}}}', 'filter.data.items.$not.hasOwnProperty'],
    ['valueOf inside $nor', '{"$nor": [{"data.valueOf": 1}]}', 'filter.$nor.0.data.valueOf'],
    ['an empty segment', '{"data..x": 1}', 'filter.data..x'],
  ])('refuses a path through what every object inherits or an empty part (%s), naming it', (_name, json, path) => {
    expect(paths(JSON.parse(json))).toEqual([path]);
  });

  it('reads only the event\'s own fields when matching, even for names arrays, strings or numbers inherit', () => {
    const event = envelope({ items: [1, 2], s: 'abc', n: 5, keys: 'own', values: [3] });
    // Plain sift resolves these through the prototype chain: the reason for the own-path walk.
    expect(sift({ 'data.items.map.name': 'map' })(event)).toBe(true);
    expect(sift({ 'data.n.toFixed.length': 1 })(event)).toBe(true);
    expect(compileFilter({ 'data.items.map.name': 'map' })(event)).toBe(false);
    expect(compileFilter({ 'data.n.toFixed.length': 1 })(event)).toBe(false);
    expect(compileFilter({ 'data.s.at': { $exists: true } })(event)).toBe(false);
    expect(compileFilter({ 'data.items.map': { $exists: false } })(event)).toBe(true);
    expect(compileFilter({ 'data.items.map': null })(event)).toBe(true);
    expect(compileFilter({ 'data.keys': 'own' })(event)).toBe(true);
    expect(compileFilter({ 'data.values': 3 })(event)).toBe(true);
    expect(compileFilter({ 'data.items': { $elemMatch: { $gt: 1 } } })(event)).toBe(true);
  });

  it('does not run operators it does not allow, even on a filter that skipped validation', () => {
    expect(() => compileFilter({ $where: 'true' })).toThrow(/Unsupported operation/);
    expect(() => compileFilter({ 'data.n': { $type: 'number' } })).toThrow(/Unsupported operation/);
    expect(paths({ $where: 'true' })).toEqual(['filter.$where']);
  });

  it('refuses malformed queries as sift does, at the filter', () => {
    expect(paths({ 'data.n': { $or: [{ $gt: 1 }] } })).toEqual(['filter']);
    expect(paths({ 'data.n': { $gt: 1, x: 2 } })).toEqual(['filter']);
  });
});

/** Filters over a few field names (none that objects inherit), and events to try them on. */
function filterArbitraries() {
  const key = fc.constantFrom('a', 'b', 'a.b', 'b.a', 'a.0', 'c');
  const scalar = fc.oneof(fc.constantFrom(0, 1, 2, 'x', 'y', true, null));
  const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 3 }),
    ),
  })).value;
  const { query } = fc.letrec<{ query: Record<string, unknown>; valueQuery: unknown }>((tie) => ({
    valueQuery: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      scalar,
      fc.record({ $eq: scalar }),
      fc.record({ $ne: scalar }),
      fc.record({ $gt: scalar }),
      fc.record({ $lte: scalar }),
      fc.record({ $in: fc.array(scalar, { maxLength: 3 }) }),
      fc.record({ $nin: fc.array(scalar, { maxLength: 3 }) }),
      fc.record({ $exists: fc.boolean() }),
      fc.record({ $size: fc.nat(3) }),
      fc.record({ $all: fc.array(scalar, { minLength: 1, maxLength: 2 }) }),
      fc.record({ $regex: fc.constantFrom('^x', 'y$', 'x|y') }),
      fc.record({ $elemMatch: tie('query') }),
      fc.record({ $not: fc.record({ $gt: scalar }) }),
    ),
    query: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      fc.dictionary(key, tie('valueQuery'), { minKeys: 1, maxKeys: 2 }),
      fc.record({ $or: fc.array(tie('query'), { minLength: 1, maxLength: 2 }) }),
      fc.record({ $and: fc.array(tie('query'), { minLength: 1, maxLength: 2 }) }),
      fc.record({ $nor: fc.array(tie('query'), { minLength: 1, maxLength: 2 }) }),
    ),
  }));
  return { query, document: fc.dictionary(fc.constantFrom('a', 'b', 'c'), json, { maxKeys: 3 }) };
}

describe('payload filter: agrees with sift', () => {
  it('matches exactly what sift matches, on random filters and events without inherited names', () => {
    const { query, document } = filterArbitraries();
    fc.assert(
      fc.property(query, document, (generated, generatedData) => {
        // As the API receives them: JSON, so every object has the usual prototype.
        const filter = JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;
        const data = JSON.parse(JSON.stringify(generatedData)) as unknown;
        expect(filterErrors(filter)).toEqual([]);
        expect(compileFilter(filter)(data)).toBe(sift(filter)(data));
      }),
      { seed: 11, numRuns: 5_000 },
    );
  });
});
