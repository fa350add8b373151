import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../support/api-client.js';
import { spawnHookgate, type HookgateProcess } from '../support/hookgate-process.js';
import { makeTempDir } from '../support/temp-dir.js';

const BIN = fileURLToPath(new URL('../../bin/hookgate.js', import.meta.url));

describe('hookgate start (the process npm start runs)', () => {
  const running: HookgateProcess[] = [];
  const dirs: (() => void)[] = [];
  afterEach(() => {
    for (const process of running.splice(0)) process.child.kill('SIGKILL');
    for (const remove of dirs.splice(0)) remove();
  });

  it('on a first start without a token, prints one operator token that works, and keeps only its hash', async () => {
    const dir = makeTempDir('cli');
    dirs.push(dir.remove);
    const first = await spawnHookgate({ HOOKGATE_DATA_DIR: dir.path });
    running.push(first);
    // Printed just after the server starts listening: wait for it.
    const token = await eventually(async () => /Operator token[^\n]*\n\n\s+(hgadm_[A-Za-z0-9_-]+)/.exec(first.output())?.[1], 5_000);

    const admin = new ApiClient(first.url, token);
    expect((await admin.get('/v1/apps')).status).toBe(200);
    expect((await admin.withToken('hgadm_wrong').get('/v1/apps')).status).toBe(401);

    const kept = readFileSync(join(dir.path, 'admin-token.sha256'), 'utf8');
    expect(kept).not.toContain(token!);
    expect(statSync(join(dir.path, 'encryption.key')).mode & 0o077).toBe(0);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await spawnHookgate({ HOOKGATE_DATA_DIR: dir.path });
    running.push(second);
    expect(second.output()).not.toContain('Operator token');
    expect((await new ApiClient(second.url, token).get('/v1/apps')).status).toBe(200);
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const dir = makeTempDir('cli');
    dirs.push(dir.remove);
    const hookgate = await spawnHookgate({ HOOKGATE_DATA_DIR: dir.path, HOOKGATE_ADMIN_TOKEN: 'cli-test-admin-token-0123' });
    running.push(hookgate);
    expect((await fetch(hookgate.url + '/healthz')).status).toBe(200);
    hookgate.child.kill('SIGTERM');
    expect(await hookgate.exited).toBe(0);
    expect(hookgate.output()).toContain('"msg":"stopped"');
  });

  it('refuses to start on a wrong variable, naming it, and creates nothing', () => {
    const dir = makeTempDir('cli');
    dirs.push(dir.remove);
    const result = spawnSync(process.execPath, [BIN, 'start'], {
      env: { PATH: process.env.PATH ?? '', HOOKGATE_DATA_DIR: join(dir.path, 'data'), HOOKGATE_DELIVERY_TIMEOUT: 'forever' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('HOOKGATE_DELIVERY_TIMEOUT');
    expect(existsSync(join(dir.path, 'data'))).toBe(false);
  });

  it('answers an unknown command with usage and exit code 2', () => {
    const result = spawnSync(process.execPath, [BIN, 'frobnicate'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: hookgate');
  });
});
