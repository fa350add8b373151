import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRules, writePromtoolFiles } from './monitoring-files.js';
import { requireBinary } from './required-binary.js';

/** Runs promtool; on failure, throws with its whole report so the test output shows which rule or case failed. */
function promtool(args: string[], cwd: string): string {
  const binary = requireBinary('promtool', 'apt-get install -y prometheus (Debian), as .ci/run does');
  try {
    return execFileSync(binary, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

describe('Prometheus rules (deploy/components/monitoring/prometheus-rule.yaml)', () => {
  let dir: string;
  let files: { rules: string; tests: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookgate-rules-'));
    files = writePromtoolFiles(dir);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pass promtool check rules', () => {
    expect(promtool(['check', 'rules', files.rules], dir)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their unit tests (promtool test rules)', () => {
    expect(promtool(['test', 'rules', files.tests], dir)).toContain('SUCCESS');
  });

  it('have a unit test for every alert, and a runbook entry in docs/operations.md', () => {
    const tests = readFileSync(files.tests, 'utf8');
    const operations = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    for (const { alert } of allRules().filter((rule) => rule.alert)) {
      expect(tests, `${alert} has no promtool test`).toContain(`alertname: ${alert}`);
      expect(operations, `${alert} has no runbook`).toContain(`### ${alert}`);
    }
  });
});
