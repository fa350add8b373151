/**
 * Event-type patterns as in AMQP topic bindings: dot-separated words, `*` matches exactly one
 * word, `#` zero or more. `order.*` matches `order.paid`; `#` matches everything.
 */
const WORD = /^[A-Za-z0-9_-]+$/;

/** Why the pattern is not valid, or null when it is. */
export function patternError(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > 255) return 'must be 1 to 255 characters';
  for (const word of pattern.split('.')) {
    if (word !== '*' && word !== '#' && !WORD.test(word)) {
      return `"${word}" is not a word: use letters, digits, _ or -, or a whole-word * or #`;
    }
  }
  return null;
}

/** Why the event type is not valid, or null when it is. */
export function eventTypeError(type: string): string | null {
  if (type.length === 0 || type.length > 255) return 'must be 1 to 255 characters';
  return type.split('.').every((word) => WORD.test(word)) ? null : 'must be dot-separated words of letters, digits, _ or -';
}

function matchWords(pattern: readonly string[], words: readonly string[], p: number, w: number): boolean {
  if (p === pattern.length) return w === words.length;
  const head = pattern[p];
  if (head === '#') {
    for (let skip = w; skip <= words.length; skip++) if (matchWords(pattern, words, p + 1, skip)) return true;
    return false;
  }
  if (w === words.length) return false;
  return (head === '*' || head === words[w]) && matchWords(pattern, words, p + 1, w + 1);
}

export function matchesPattern(pattern: string, eventType: string): boolean {
  return matchWords(pattern.split('.'), eventType.split('.'), 0, 0);
}

export function matchesAnyPattern(patterns: readonly string[], eventType: string): boolean {
  return patterns.some((pattern) => matchesPattern(pattern, eventType));
}
