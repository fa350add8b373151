/**
 * `npm run fuzz [-- --runs N] [--seed S] [--shrink] [--log]`: the /v1 fuzz test with more
 * rounds than `npm test` gives it (default 200) and, unless --seed is given, a fresh seed,
 * printed first so a failure can be replayed with `--seed S` (or HOOKGATE_FUZZ_SEED=S npm test).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    seed: { type: 'string' },
    shrink: { type: 'boolean', default: false },
    log: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- [--runs N] [--seed S] [--shrink] [--log]\n');
  process.exit(2);
}
process.stdout.write(`fuzz: ${runs} rounds, seed ${seed} (replay with: npm run fuzz -- --runs ${runs} --seed ${seed})\n`);

const child = spawn('npx', ['vitest', 'run', 'test/fuzz/api-fuzz.test.ts'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    HOOKGATE_FUZZ_RUNS: String(runs),
    HOOKGATE_FUZZ_SEED: String(seed),
    ...(values.shrink ? { HOOKGATE_FUZZ_SHRINK: '1' } : {}),
    ...(values.log ? { HOOKGATE_FUZZ_LOG: '1' } : {}),
  },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
