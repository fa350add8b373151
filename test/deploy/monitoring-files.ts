import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/** deploy/components/monitoring: the PrometheusRule, its promtool tests and the Grafana dashboard. */
export const MONITORING_DIR = fileURLToPath(new URL('../../deploy/components/monitoring/', import.meta.url));
const RULE_FILE = join(MONITORING_DIR, 'prometheus-rule.yaml');
const RULE_TESTS = join(MONITORING_DIR, 'prometheus-rule.test.yaml');
const DASHBOARD = join(MONITORING_DIR, 'hookgate-dashboard.json');

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}

export interface RuleGroups {
  groups: { name: string; rules: Rule[] }[];
}

/** The rule groups of the PrometheusRule, which is the one place the rules are written. */
export function ruleGroups(): RuleGroups {
  return (parse(readFileSync(RULE_FILE, 'utf8')) as { spec: RuleGroups }).spec;
}

export function allRules(): Rule[] {
  return ruleGroups().groups.flatMap((group) => group.rules);
}

/**
 * Writes the rules as a plain Prometheus rule file (what promtool reads) beside a copy of their
 * unit tests, in `dir`. Returns the two paths.
 */
export function writePromtoolFiles(dir: string): { rules: string; tests: string } {
  const rules = join(dir, 'hookgate.rules.yaml');
  const tests = join(dir, 'prometheus-rule.test.yaml');
  writeFileSync(rules, stringify(ruleGroups()));
  copyFileSync(RULE_TESTS, tests);
  return { rules, tests };
}

/** Every PromQL query of the dashboard: panel targets and the template variables' label_values(). */
export function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as unknown;
  const queries: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'expr' && typeof value === 'string') queries.push(value);
      else if (key === 'definition' && typeof value === 'string') queries.push(labelValuesSelector(value));
      else visit(value);
    }
  };
  visit(dashboard);
  return queries;
}

/** `label_values(metric{matchers}, label)` is Grafana's, not PromQL: its first argument is. */
function labelValuesSelector(definition: string): string {
  const match = /^label_values\((.+),\s*\w+\)$/.exec(definition.trim());
  if (!match) throw new Error(`Dashboard variable query is not label_values(selector, label): ${definition}`);
  return match[1]!;
}
