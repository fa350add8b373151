import jsonata from 'jsonata';
import { compileTransform, type PayloadTransform } from '../../../shared/webhooks/payload-transform.js';

/** Which bodies an expression may read, so the plugin captures only those. */
export interface BodiesRead {
  request: boolean;
  response: boolean;
}

/** Functions that read nothing of their input when called without arguments. */
const CONTEXT_FREE = new Set(['now', 'millis', 'random']);

interface AstNode {
  type?: string;
  value?: unknown;
  arguments?: unknown[];
  procedure?: { type?: string; value?: unknown };
}

/**
 * Walks the expression's syntax tree for the names `request` and `response`. Anything that can
 * reach a field without naming it (`$`, `$$`, `*`, `**`, `%`, `$eval`, a function applied to its
 * context such as `$string()`) counts as reading both, so a body is never missing from an
 * expression that needs it; at worst one is captured for nothing.
 */
export function bodiesRead(expression: string): BodiesRead {
  const names = new Set<string>();
  let dynamic = false;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null || node instanceof RegExp) return;
    const ast = node as AstNode;
    if (ast.type === 'name' && typeof ast.value === 'string') names.add(ast.value);
    if (ast.type === 'variable' && (ast.value === '' || ast.value === '$')) dynamic = true;
    if (ast.type === 'wildcard' || ast.type === 'descendant' || ast.type === 'parent') dynamic = true;
    if (ast.type === 'function' && ast.procedure?.type === 'variable') {
      const called = String(ast.procedure.value);
      if (called === 'eval' || (ast.arguments?.length === 0 && !CONTEXT_FREE.has(called))) dynamic = true;
    }
    for (const value of Object.values(ast)) visit(value);
  };
  visit(jsonata(expression).ast());
  return { request: dynamic || names.has('request'), response: dynamic || names.has('response') };
}

/** What the expression is evaluated against. */
export interface EventInput {
  request: { method: string; path: string; query: Record<string, unknown>; body: unknown };
  response: { status: number; headers: Record<string, unknown>; body: unknown };
  route: string | null;
  requestId: string;
}

/**
 * Compiles the `data` expression once, bounded as subscription transforms are (time, stack,
 * sequence length, 256 KiB of output) and with every regex on the same linear-time engine (RE2).
 * An expression that yields nothing gives `null` data rather than an error: `response.body.id`
 * on an empty answer is not a broken expression. Rejects with a TransformError when evaluation
 * fails.
 *
 * Bounds: it runs in the gateway's own thread, not in the transform pool, because the operator
 * wrote it in the gateway config (tenants cannot). What protects the event loop is RE2 for its
 * regexes, refused at load when RE2 cannot run them, and JSONata's time-out, stack and sequence
 * checks between evaluation steps; one slow built-in call (`$pad` to millions of characters)
 * is not pre-empted, which is the operator's to avoid.
 */
export function compileEventData(expression: string): (input: EventInput) => Promise<unknown> {
  // Wrapped in an object so "no value" comes back as a missing field instead of an error.
  const transform: PayloadTransform = compileTransform(`{"data": (${expression})}`);
  return async function eventData(input) {
    const wrapped = (await transform(input)) as { data?: unknown };
    return wrapped.data ?? null;
  };
}
