export interface Sample {
  /** The series name: a histogram's samples are named <family>_bucket, _sum and _count. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

/** The series names under which Prometheus stores a family's samples. */
export function seriesNames(family: Pick<Family, 'name' | 'type'>): string[] {
  return (SUFFIXES[family.type] ?? ['']).map((suffix) => family.name + suffix);
}

/** Go's float syntax for infinities, which Number() does not read. */
function valueOf(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

function labelsOf(text: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  LABEL_PAIR.lastIndex = 0;
  let end = 0;
  for (let pair = LABEL_PAIR.exec(text); pair !== null; pair = LABEL_PAIR.exec(text)) {
    labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
    end = LABEL_PAIR.lastIndex;
  }
  if (end !== text.length) throw new Error(`Unreadable labels in: ${line}`);
  return labels;
}

/**
 * Reads the Prometheus text format as prom-client writes it (HELP and TYPE before each family's
 * samples, no timestamps) into families by name. The format itself is checked by Prometheus' own
 * parser (`promtool check metrics`); npm's parse-prometheus-text-format 1.1 drops the labels,
 * _sum and _count of labelled histograms (its issue #13), so the values are read here.
 */
export function readExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (current?.name !== name) {
        current = { name, help: '', type: 'untyped', samples: [] };
        families.set(name, current);
      }
      if (kind === 'HELP') current.help = rest;
      else current.type = rest;
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (!sample || !current || !seriesNames(current).includes(sample[1]!)) throw new Error(`Not a sample of the family above it: ${line}`);
    current.samples.push({ name: sample[1]!, labels: labelsOf(sample[2], line), value: valueOf(sample[3]!) });
  }
  return families;
}
