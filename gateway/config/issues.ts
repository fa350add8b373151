import type { z } from 'zod';
import { ConfigError } from '../../shared/errors/index.js';

/** One mistake in a config file: where (a path into the YAML data) and what. */
export interface ConfigIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** Every mistake of one config file, each message naming the file, the place and the field. */
export class GatewayConfigError extends ConfigError {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid gateway config:\n  ${issues.join('\n  ')}`);
    this.name = 'GatewayConfigError';
  }
}

const saysMissing = (issue: z.core.$ZodIssue): boolean =>
  (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) ||
  (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors.every((branch) => branch.some(saysMissing)));

/** Zod's issues in the operator's words: one per unknown field, "is required" for a missing one. */
export function issuesFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key], message: 'is not a known field' }));
    return [{ path, message: saysMissing(issue) ? 'is required' : issue.message }];
  });
}

/**
 * `routes[0] (create-order).plugins[1] (rate-limit).config.limit`: list items that carry a
 * `name` are shown with it, so the place can be found by name as well as by index.
 */
export function describePath(data: unknown, path: readonly PropertyKey[]): string {
  let node: unknown = data;
  let text = '';
  for (const segment of path) {
    const child: unknown = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[segment] : undefined;
    if (typeof segment === 'number') {
      const name = child !== null && typeof child === 'object' ? (child as { name?: unknown }).name : undefined;
      text += `[${segment}]${typeof name === 'string' ? ` (${name})` : ''}`;
    } else {
      text += `${text === '' ? '' : '.'}${String(segment)}`;
    }
    node = child;
  }
  return text;
}

/** `hookgate.yaml: routes[0] (create-order).plugins[1] (rate-limit).config.limit: must be a positive integer` */
export function formatIssues(file: string, data: unknown, issues: readonly ConfigIssue[]): string[] {
  return issues.map((issue) => {
    const place = describePath(data, issue.path);
    return `${file}: ${place === '' ? '' : `${place}: `}${issue.message}`;
  });
}
