/** Percentile of already-sorted numbers (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface RunFigures {
  name: string;
  count: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Distributed mode: calls the storage service answered per delivered event (gateway and processors together). */
  storageCallsPerEvent?: number;
}

/** Figures of a run of `count` deliveries (default: one per latency) over `elapsedMs`. */
export function figures(name: string, latenciesMs: number[], elapsedMs: number, count = latenciesMs.length): RunFigures {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    name,
    count,
    perSecond: (count / elapsedMs) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

/** Prints runs as a table with each one's throughput as a ratio of the baseline's. */
export function printTable(title: string, baseline: RunFigures, runs: RunFigures[]): void {
  const rows = [baseline, ...runs].map((run) => [
    run.name,
    String(run.count),
    run.perSecond.toFixed(0),
    (run.perSecond / baseline.perSecond).toFixed(3),
    run.p50Ms.toFixed(2),
    run.p99Ms.toFixed(2),
    run.storageCallsPerEvent === undefined ? '-' : run.storageCallsPerEvent.toFixed(2),
  ]);
  const header = ['run', 'count', 'per second', 'x baseline', 'p50 ms', 'p99 ms', 'storage calls/event'];
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  process.stdout.write(`\n${title}\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const row of rows) process.stdout.write(line(row) + '\n');
}
