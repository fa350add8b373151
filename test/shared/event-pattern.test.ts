import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventTypeError, matchesAnyPattern, matchesPattern, patternError } from '../../shared/webhooks/event-pattern.js';

/** The definition, read literally: backtracking, exponential in the worst case, fine for short inputs. */
function reference(pattern: readonly string[], words: readonly string[]): boolean {
  if (pattern.length === 0) return words.length === 0;
  const [head, ...rest] = pattern;
  if (head === '#') return words.some((_, skip) => reference(rest, words.slice(skip))) || reference(rest, []);
  return words.length > 0 && (head === '*' || head === words[0]) && reference(rest, words.slice(1));
}

describe('event-type patterns (AMQP topic semantics)', () => {
  it.each([
    ['order.paid', 'order.paid', true],
    ['order.paid', 'order.created', false],
    ['order.*', 'order.paid', true],
    ['order.*', 'order', false],
    ['order.*', 'order.paid.late', false],
    ['order.#', 'order', true],
    ['order.#', 'order.paid.late', true],
    ['#', 'anything.at.all', true],
    ['#.paid', 'invoice.paid', true],
    ['#.paid', 'paid', true],
    ['*.paid', 'paid', false],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c', false],
    ['*.*', 'a.b', true],
    ['#.#', 'a', true],
    ['#.#', 'a.b.c', true],
    ['#.*', 'a', true],
    ['#.*', 'a.b', true],
    ['*.#.*', 'a', false],
    ['*.#.*', 'a.b', true],
    ['a.#.b.#.c', 'a.b.c', true],
    ['a.#.b.#.c', 'a.c.b.c', true],
    ['a.#.b.#.c', 'a.c.c', false],
    ['a.#.b.*.#.c', 'a.b.x.b.c', true],
    ['a.#.a', 'a', false],
    ['a.#.a', 'a.a', true],
    ['#.a.#', 'b.b', false],
    ['#.a.#', 'b.a.b', true],
  ])('%s against %s is %s', (pattern, type, expected) => {
    expect(matchesPattern(pattern, type)).toBe(expected);
  });

  it.each(['order.**', 'order..paid', '', 'order.pa*d', 'order paid', '.order'])('refuses the pattern %j', (pattern) => {
    expect(patternError(pattern)).not.toBeNull();
  });

  it('accepts well-formed patterns and types', () => {
    expect(patternError('order.*')).toBeNull();
    expect(patternError('#')).toBeNull();
    expect(eventTypeError('order.paid_v2')).toBeNull();
    expect(eventTypeError('order.*')).not.toBeNull();
  });

  it('agrees with the literal definition on random patterns and types', () => {
    const word = fc.constantFrom('a', 'b', 'c');
    const patternWord = fc.constantFrom('a', 'b', 'c', '*', '#', '#');
    fc.assert(
      fc.property(fc.array(patternWord, { minLength: 1, maxLength: 7 }), fc.array(word, { minLength: 1, maxLength: 9 }), (pattern, words) => {
        expect(matchesPattern(pattern.join('.'), words.join('.'))).toBe(reference(pattern, words));
      }),
      { seed: 11, numRuns: 5_000 },
    );
  });

  it('matches any of several patterns', () => {
    expect(matchesAnyPattern(['order.created', 'invoice.*'], 'invoice.paid')).toBe(true);
    expect(matchesAnyPattern(['order.created', 'invoice.*'], 'order.paid')).toBe(false);
    expect(matchesAnyPattern([], 'order.paid')).toBe(false);
  });

  it('takes linear time on the patterns that made a backtracking matcher exponential', () => {
    const longest = `${'#.'.repeat(127)}z`;
    expect(patternError(longest)).toBeNull();
    const type = Array(128).fill('a').join('.');
    expect(eventTypeError(type)).toBeNull();
    const started = performance.now();
    expect(matchesPattern(longest, type)).toBe(false);
    expect(matchesPattern(`${'#.'.repeat(11)}z`, Array(24).fill('a').join('.'))).toBe(false);
    expect(matchesPattern(`${'#.a.'.repeat(63)}z`, type)).toBe(false);
    expect(matchesPattern(`${'*.#.'.repeat(63)}a`, type)).toBe(true);
    expect(matchesPattern(longest, `${type.slice(2)}.z`)).toBe(true);
    // A backtracking matcher needs minutes for the first alone; linear matching, microseconds.
    expect(performance.now() - started).toBeLessThan(50);
  });
});

