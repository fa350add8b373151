/** `$${` (an escaped `${`), `${NAME}`, `${NAME:-default}`, or a `${` that starts neither. */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/** YAML 1.2 core schema's plain scalars that are not strings. */
const INTEGER = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BOOLEAN = /^(true|True|TRUE|false|False|FALSE)$/;

export type Substitution = { ok: true; value: string } | { ok: false; message: string };

/**
 * Replaces `${NAME}` with the variable's value and `${NAME:-default}` with it or, when it is unset
 * or empty, the default (as a shell does). `$${` writes a literal `${`. A variable that is unset
 * with no default, or a `${` that starts no reference, is an error naming it.
 *
 * @example substituteEnv('${ORDERS_URL:-http://127.0.0.1:9000}', process.env) // { ok: true, value: 'http://127.0.0.1:9000' }
 */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv): Substitution {
  let problem: string | undefined;
  const value = text.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${';
    if (name === undefined) {
      problem ??= '"${" starts no ${NAME} or ${NAME:-default} (write $${ for a literal ${)';
      return whole;
    }
    const set = env[name];
    if (set !== undefined && (set !== '' || fallback === undefined)) return set;
    if (fallback !== undefined) return fallback;
    problem ??= `\${${name}} is not set and has no default`;
    return whole;
  });
  return problem === undefined ? { ok: true, value } : { ok: false, message: problem };
}

/**
 * The value of a plain (unquoted) YAML scalar that was one whole reference: typed the way YAML
 * would have read the text written there (`${PORT:-8080}` is the number 8080, `${ON:-true}` a
 * boolean), so numbers and switches can come from the environment. Only numbers and booleans:
 * anything else stays the string it was, however YAML-like (a secret containing ` #` must not
 * lose its tail). Quote the scalar to keep even those a string.
 */
export function typedPlainValue(original: string, substituted: string): string | number | boolean {
  if (!WHOLE_REFERENCE.test(original)) return substituted;
  if (BOOLEAN.test(substituted)) return substituted.toLowerCase() === 'true';
  if (INTEGER.test(substituted) || FLOAT.test(substituted)) return Number(substituted);
  return substituted;
}
