import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import type { ConfigIssue } from './issues.js';
import { substituteEnv, typedPlainValue } from './substitute-env.js';

export type ReadResult = { ok: true; data: unknown } | { ok: false; data: unknown; issues: ConfigIssue[] };

/** The data path of a node from the visitor's ancestors: map keys and sequence indexes. */
function dataPath(ancestors: readonly unknown[], node: unknown): PropertyKey[] {
  const path: PropertyKey[] = [];
  const chain = [...ancestors, node];
  chain.forEach((ancestor, index) => {
    const next = chain[index + 1];
    if (isPair(ancestor) && isScalar(ancestor.key)) path.push(String(ancestor.key.value));
    if (isSeq(ancestor) && next !== undefined) path.push(ancestor.items.indexOf(next as never));
  });
  return path;
}

/** Substitutes `${VAR}` in every scalar value (never in keys), on the parsed tree, so a value cannot change the YAML's structure. */
function substituteScalars(document: Document, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(document, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const result = substituteEnv(node.value, env);
      if (!result.ok) {
        issues.push({ path: dataPath(ancestors, node), message: result.message });
        return;
      }
      node.value = node.type === 'PLAIN' ? typedPlainValue(node.value, result.value) : result.value;
    },
  });
  return issues;
}

/**
 * Reads a config file: YAML with unique keys, `${VAR}` and `${VAR:-default}` substituted from
 * `env`. Syntax errors carry their line and column; the data comes back as far as it could be
 * read, so later messages can still name routes.
 */
export async function readConfigFile(file: string, env: NodeJS.ProcessEnv): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, data: undefined, issues: [{ path: [], message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }] };
  }
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    // The first line of yaml's pretty message: what and where ("... at line 2, column 1"), without the excerpt.
    const issues = document.errors.map((error) => ({ path: [], message: error.message.split('\n')[0]!.replace(/:$/, '') }));
    return { ok: false, data: undefined, issues };
  }
  const issues = substituteScalars(document, env);
  if (document.contents !== null && !isMap(document.contents)) {
    issues.push({ path: [], message: 'must be a mapping with services, plugins and routes' });
  }
  const data: unknown = document.toJS() ?? {};
  return issues.length === 0 ? { ok: true, data } : { ok: false, data, issues };
}
