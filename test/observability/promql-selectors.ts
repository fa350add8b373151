import { parser } from '@prometheus-io/lezer-promql';

export interface LabelMatcher {
  label: string;
  op: string;
  value: string;
}

export interface Selector {
  metric: string;
  matchers: LabelMatcher[];
}

/** Grafana's interval variables stand where PromQL wants a duration. */
const GRAFANA_DURATIONS = /\$__(rate_interval|interval|range)/g;

/**
 * The series selectors of a PromQL expression (or of a Grafana query), parsed with Prometheus'
 * own grammar (@prometheus-io/lezer-promql), so a function or label name is never mistaken for
 * a metric. Throws on a syntax error.
 */
export function selectorsIn(query: string): Selector[] {
  const expr = query.replace(GRAFANA_DURATIONS, '5m');
  const selectors: Selector[] = [];
  let current: Selector | undefined;
  let matcher: Partial<LabelMatcher> = {};
  parser.parse(expr).iterate({
    enter(node) {
      const text = expr.slice(node.from, node.to);
      if (node.type.isError) throw new Error(`PromQL syntax error at ${node.from} in: ${query}`);
      switch (node.name) {
        case 'VectorSelector':
          current = { metric: '', matchers: [] };
          selectors.push(current);
          break;
        case 'Identifier':
          if (current && node.node.parent?.name === 'VectorSelector') current.metric = text;
          break;
        case 'UnquotedLabelMatcher':
          matcher = {};
          break;
        case 'LabelName':
          if (node.node.parent?.name === 'UnquotedLabelMatcher') matcher.label = text;
          break;
        case 'MatchOp':
          matcher.op = text;
          break;
        case 'StringLiteral':
          if (current && matcher.label !== undefined && matcher.op !== undefined) {
            current.matchers.push({ label: matcher.label, op: matcher.op, value: text.slice(1, -1) });
            matcher = {};
          }
          break;
      }
    },
  });
  const unnamed = selectors.find((selector) => selector.metric === '');
  if (unnamed) throw new Error(`A selector without a metric name cannot be checked: ${query}`);
  return selectors;
}
