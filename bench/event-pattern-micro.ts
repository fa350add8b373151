/**
 * Micro-benchmark of event-type pattern matching on common patterns (`#`, `order.*`, exact,
 * `order.#`, `*.paid`): matches per second. Run: node bin/run-ts.js bench/event-pattern-micro.ts
 */
import { matchesAnyPattern, matchesPattern } from '../shared/webhooks/event-pattern.js';

const CASES: [string, string][] = [
  ['#', 'order.paid'],
  ['order.*', 'order.paid'],
  ['order.paid', 'order.paid'],
  ['order.paid', 'invoice.paid'],
  ['order.#', 'order.paid.late'],
  ['*.paid', 'invoice.paid'],
];
const ROUNDS = 2_000_000;

function run(label: string, body: () => boolean): void {
  for (let i = 0; i < 50_000; i++) body();
  const started = process.hrtime.bigint();
  let hits = 0;
  for (let i = 0; i < ROUNDS; i++) if (body()) hits++;
  const ns = Number(process.hrtime.bigint() - started) / ROUNDS;
  process.stdout.write(`${label.padEnd(40)} ${ns.toFixed(1).padStart(7)} ns/match  (${hits === 0 ? 'no match' : 'match'})\n`);
}

for (const [pattern, type] of CASES) run(`${pattern} vs ${type}`, () => matchesPattern(pattern, type));
const patterns = ['order.created', 'order.paid', 'invoice.*'];
run(`any of ${patterns.join(',')} vs invoice.paid`, () => matchesAnyPattern(patterns, 'invoice.paid'));
