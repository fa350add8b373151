import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory per test (data dir, SQLite file) so tests never share state. */
export function makeTempDir(label: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `hookgate-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
