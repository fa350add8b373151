import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { compileJsonTransform, compileTransform, TransformError, transformError } from '../../shared/webhooks/payload-transform.js';

/** 40 a's and a character that ends no match: ~2^40 steps for a backtracking engine. */
const CRAFTED = `${'a'.repeat(40)}!`;

describe('transformError (the save-time check)', () => {
  it.each([
    ['a back-reference', '$match(data.s, /(a+)\\1$/)', /\/\(a\+\)\\1\$\/g .*invalid escape sequence/],
    ['a look-ahead', '$replace(data.s, /a(?=!)/, "b")', /\/a\(\?=!\)\/g .*invalid or unsupported Perl syntax/],
    ['a look-behind inside $contains', '{"x": $contains(data.s, /(?<=a)!/)}', /cannot run in linear time/],
  ])('refuses a regex literal RE2 cannot run (%s), naming it', (_name, expression, message) => {
    const error = transformError(expression);
    expect(error).toMatch(/^has a regular expression that cannot run in linear time: /);
    expect(error).toMatch(message);
  });

  it('accepts regexes that backtrack exponentially in JavaScript: RE2 runs them in linear time', () => {
    expect(transformError('$match(data.s, /(a|a)*$/)')).toBeNull();
    expect(transformError('$replace(data.s, /(a+)+$/i, "x")')).toBeNull();
  });

  it('refuses a syntax error with its position', () => {
    expect(transformError('{"id": id,')).toMatch(/^is not a valid JSONata expression: .*\(S0\d+ at position \d+\)/);
  });

  it('cannot see a regex built at run time, which the engine refuses then', async () => {
    const expression = '$eval("$match(data.s, /(a+)\\\\1$/)")';
    expect(transformError(expression)).toBeNull();
    await expect(compileTransform(expression)({ data: { s: CRAFTED } })).rejects.toThrow(/transform failed.*regexp/);
  });
});

describe('compileTransform', () => {
  it('matches every regex with RE2: an exponential pattern on a crafted string ends at once', async () => {
    const started = performance.now();
    const result = await compileTransform('$match(data.s, /(a|a)*$/)')({ data: { s: CRAFTED } });
    expect(performance.now() - started).toBeLessThan(100);
    expect(result).toEqual({ match: '', index: 41, groups: [undefined] });
  });

  it('runs the regexes of an $eval sub-expression on the same engine', async () => {
    const started = performance.now();
    const result = await compileTransform('$eval("$exists($match(data.s, /(a+)+$/))")')({ data: { s: CRAFTED } });
    expect(performance.now() - started).toBeLessThan(100);
    expect(result).toBe(false);
  });

  it.each([
    ['$match(s, /\\d+/).match', 'a1b22C333'],
    ['$match(s, /([a-z])(\\d+)/i).groups', 'a1b22C333'],
    ['$match(s, /([a-z])(\\d+)?/, 2)', 'ab1c'],
    ['$replace(s, /(\\d+)/, function($m) { "<" & $m.groups[0] & ">" })', 'a1b22C333'],
    ['$replace(s, /\\d/, "#", 2)', 'a1b22C333'],
    ['$split(s, /[a-z]/i)', 'a1b22C333'],
    ['[$contains(s, /c3/i), $contains(s, /c3/)]', 'a1b22C333'],
    ['$match(s, /^b$/m).index', 'a\nb'],
    ['$match(s, /é+/).match', 'xééy😀é'],
  ])('gives what JavaScript regexes give for %s', async (expression, s) => {
    // As sent: JSON (JSONata's sequences carry flags of their own).
    const native = JSON.stringify(await jsonata(expression).evaluate({ s }));
    expect(await compileJsonTransform(expression)({ s })).toBe(native);
  });

  it('gives one error for a missing value, a failure, and output over the bound', async () => {
    await expect(compileTransform('data.missing')({ data: {} })).rejects.toThrow(new TransformError('The transform produced no value for this event.'));
    await expect(compileTransform('$number(data.s)')({ data: { s: 'x' } })).rejects.toThrow(/^The transform failed: /);
    await expect(compileJsonTransform('$pad("", 2000, "x")', { timeoutMs: 100, maxOutputBytes: 1_000 })({})).rejects.toThrow(
      'The transform produced 2002 bytes; at most 1000 are sent.',
    );
  });

  it('gives the body as JSON text, as it is sent', async () => {
    expect(await compileJsonTransform('{"id": data.id, "n": data.n * 2}')({ data: { id: 'o-1', n: 21 } })).toBe('{"id":"o-1","n":42}');
  });
});
