/**
 * Event-type patterns as in AMQP topic bindings: dot-separated words, `*` matches exactly one
 * word, `#` zero or more. `order.*` matches `order.paid`; `#` matches everything.
 *
 * Every subscription's patterns are tested against every event of its app, and a tenant writes
 * them, so matching must stay cheap whatever the pattern: a backtracking matcher took
 * exponential time on `#.#.#.#.#.#.#.#.#.#.#.z` against `a.a.a…`. Each pattern is compiled once
 * into a matcher that never backtracks (see `compilePattern`).
 */
const WORD = /^[A-Za-z0-9_-]+$/;
const MAX_LENGTH = 255;

/** Why the pattern is not valid, or null when it is. */
export function patternError(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > MAX_LENGTH) return `must be 1 to ${MAX_LENGTH} characters`;
  for (const word of pattern.split('.')) {
    if (word !== '*' && word !== '#' && !WORD.test(word)) {
      return `"${word}" is not a word: use letters, digits, _ or -, or a whole-word * or #`;
    }
  }
  return null;
}

/** Why the event type is not valid, or null when it is. */
export function eventTypeError(type: string): string | null {
  if (type.length === 0 || type.length > MAX_LENGTH) return `must be 1 to ${MAX_LENGTH} characters`;
  return type.split('.').every((word) => WORD.test(word)) ? null : 'must be dot-separated words of letters, digits, _ or -';
}

/** True when the event type matches: a compiled pattern. */
type PatternMatcher = (eventType: string) => boolean;

/** A run of words between two `#`: each a literal word or `*` (any one word). */
type Segment = readonly string[];

function segmentAt(segment: Segment, words: readonly string[], at: number): boolean {
  for (let i = 0; i < segment.length; i++) {
    const word = segment[i];
    if (word !== '*' && word !== words[at + i]) return false;
  }
  return true;
}

/**
 * Pattern `S0.#.S1.#…#.Sk`: S0 must match the first words, Sk the last, and S1…Sk-1 in this
 * order in between. Placing each middle segment at its leftmost fit is never wrong (a later
 * fit leaves the rest of the segments fewer words, never more), so one left-to-right scan
 * decides: at most (pattern words x type words) word comparisons, no backtracking.
 */
function matchSegments(first: Segment, middle: readonly Segment[], last: Segment, words: readonly string[]): boolean {
  let from = first.length;
  const end = words.length - last.length;
  if (end < from || !segmentAt(first, words, 0) || !segmentAt(last, words, end)) return false;
  for (const segment of middle) {
    let at = from;
    while (at + segment.length <= end && !segmentAt(segment, words, at)) at++;
    if (at + segment.length > end) return false;
    from = at + segment.length;
  }
  return true;
}

/**
 * Compiles a pattern (one `patternError` accepts) into a matcher. The bound: a pattern and a
 * type are each at most 255 characters (128 words), and the matcher compares each pattern word
 * with each type word at most once, so one match costs at most 128 x 128 word comparisons.
 * The common shapes take shortcuts: `#` matches without looking, a pattern without wildcards
 * is one string comparison.
 *
 * @example
 * const matches = compilePattern('order.#');
 * matches('order.paid.late'); // true
 */
function compilePattern(pattern: string): PatternMatcher {
  const words = pattern.split('.');
  if (!words.includes('#')) {
    if (!words.includes('*')) return (eventType) => eventType === pattern;
    return (eventType) => {
      const typeWords = eventType.split('.');
      return typeWords.length === words.length && segmentAt(words, typeWords, 0);
    };
  }
  // `#.#` matches what `#` matches: consecutive ones collapse into one, so segments are the
  // (possibly empty) runs between the remaining `#`.
  const segments: string[][] = [];
  let current: string[] = [];
  for (const word of words) {
    if (word !== '#') {
      current.push(word);
      continue;
    }
    segments.push(current);
    current = [];
  }
  const [first = [], ...rest] = segments;
  const last = current;
  const middle = rest.filter((segment) => segment.length > 0);
  if (first.length === 0 && last.length === 0 && middle.length === 0) return () => true;
  return (eventType) => matchSegments(first, middle, last, eventType.split('.'));
}

/**
 * Compiled patterns by pattern string, so each is compiled once however many events it sees.
 * Bounded: compiling costs about a microsecond, so a pattern pushed out by many others is
 * simply compiled again; oldest-first eviction is good enough.
 */
const MAX_CACHED_PATTERNS = 10_000;
const compiled = new Map<string, PatternMatcher>();

function matcherFor(pattern: string): PatternMatcher {
  let matcher = compiled.get(pattern);
  if (matcher === undefined) {
    matcher = compilePattern(pattern);
    if (compiled.size >= MAX_CACHED_PATTERNS) compiled.delete(compiled.keys().next().value as string);
    compiled.set(pattern, matcher);
  }
  return matcher;
}

/** True when the event type matches the pattern (compiled once per pattern, then cached). */
export function matchesPattern(pattern: string, eventType: string): boolean {
  return matcherFor(pattern)(eventType);
}

/** True when the event type matches any of the patterns (a subscription's `events`). */
export function matchesAnyPattern(patterns: readonly string[], eventType: string): boolean {
  for (const pattern of patterns) if (matcherFor(pattern)(eventType)) return true;
  return false;
}
