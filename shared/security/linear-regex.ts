import { RE2JS } from 're2js';

const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };
/** Flags that change how a match is found, which RE2 has no equivalent of (`g` and `y` only steer `lastIndex`). */
const IGNORED_FLAGS = new Set(['g', 'y', 'u', 'd']);

/**
 * The largest compiled program (RE2 instructions) a tenant's regex may have. RE2's time is
 * linear in the input, but the factor is the program's size: `[a-z]{1000}` repeated ten times
 * (115 characters, 10,000 instructions) took 14 s on a 100 KB string. Ordinary patterns (an
 * e-mail address, a UUID, an ISO timestamp) compile to under 50 instructions.
 */
const MAX_PROGRAM_SIZE = 300;

/** A tenant's regular expression that RE2 cannot run (back-references, look-arounds, bad syntax, too large a program). */
export class LinearRegexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinearRegexError';
  }
}

function flagBits(flags: string): number {
  let bits = 0;
  for (const flag of flags) {
    if (IGNORED_FLAGS.has(flag)) continue;
    const bit = FLAG_BITS[flag];
    if (bit === undefined) throw new LinearRegexError(`flag "${flag}" is not supported (use i, m or s)`);
    bits |= bit;
  }
  return bits;
}

/**
 * A regular expression matched by RE2 (re2js, a pure-JavaScript port): time linear in the
 * input whatever the pattern, so a tenant's regex cannot freeze the process the way a
 * backtracking `RegExp` can on `(a|a)*$`. It offers the part of `RegExp` that its callers use:
 * `test`, and `exec` honouring `lastIndex` (JSONata's `RegexEngine` contract). Patterns RE2
 * cannot express in linear time (back-references, look-arounds) are refused at construction,
 * and so are programs over MAX_PROGRAM_SIZE instructions, which bounds the factor of that
 * linear time.
 *
 * @example
 * new LinearRegExp('(a|a)*$').test('a'.repeat(40) + '!'); // true, in about a millisecond
 */
export class LinearRegExp {
  readonly source: string;
  readonly flags: string;
  lastIndex = 0;
  readonly #compiled: RE2JS;

  constructor(pattern: string | RegExp, flags?: string) {
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    this.flags = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(RE2JS.translateRegExp(this.source), flagBits(this.flags));
    } catch (error) {
      if (error instanceof LinearRegexError) throw error;
      throw new LinearRegexError((error as Error).message);
    }
    const size = compiled.programSize();
    if (size > MAX_PROGRAM_SIZE) {
      throw new LinearRegexError(`compiles to ${size} RE2 instructions, more than ${MAX_PROGRAM_SIZE}: use smaller repetition counts ({n,m})`);
    }
    this.#compiled = compiled;
  }

  /** True when the pattern matches somewhere in `input` (`lastIndex` is neither read nor moved). */
  test(input: string): boolean {
    return this.#compiled.test(input);
  }

  /** The next match at or after `lastIndex`, as `RegExp.prototype.exec` shapes it; moves `lastIndex` past it. */
  exec(input: string): RegExpExecArray | null {
    if (this.lastIndex > input.length) {
      this.lastIndex = 0;
      return null;
    }
    const matcher = this.#compiled.matcher(input);
    if (!matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let group = 0; group <= matcher.groupCount(); group++) groups.push(matcher.group(group) ?? undefined);
    const match = Object.assign(groups, { index: matcher.start(), input }) as unknown as RegExpExecArray;
    this.lastIndex = matcher.end();
    return match;
  }
}

/** Why the pattern cannot be used as a tenant's regex (with these flags), or null when it can. */
export function linearRegexError(pattern: string, flags = ''): string | null {
  try {
    new LinearRegExp(pattern, flags);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
