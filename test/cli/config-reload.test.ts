import { afterEach, describe, expect, it } from 'vitest';
import { startUpstream, writeConfig, type Upstream } from '../gateway/plugins/gateway-fixture.js';
import { spawnHookgate, type HookgateProcess } from '../support/hookgate-process.js';
import { makeTempDir } from '../support/temp-dir.js';

function configFor(upstream: Upstream, limit: number): string {
  return `
services:
  orders: {url: "${upstream.url}"}
plugins:
  - name: request-id
routes:
  - name: orders
    service: orders
    paths: [/api]
    plugins:
      - name: rate-limit
        config: {limit: ${limit}, windowMs: 60000, by: ip}
`;
}

function reloadCount(metrics: string, outcome: string): number {
  const line = metrics.split('\n').find((text) => text.startsWith('hookgate_gateway_config_reloads_total{') && text.includes(`outcome="${outcome}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('hookgate start with HOOKGATE_CONFIG: reloading on SIGHUP', () => {
  let hookgate: HookgateProcess | undefined;
  let upstream: Upstream | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    hookgate?.child.kill('SIGTERM');
    await hookgate?.exited;
    await upstream?.close();
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('drops no request while SIGHUPs reload good and bad files under load, and applies the last good one', async () => {
    upstream = await startUpstream((_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 5));
    const file = writeConfig(configFor(upstream, 100_000));
    const data = makeTempDir('reload');
    cleanups.push(file.remove, data.remove);
    hookgate = await spawnHookgate({ HOOKGATE_DATA_DIR: data.path, HOOKGATE_CONFIG: file.path, HOOKGATE_ADMIN_TOKEN: 'reload-test-admin-token-0123456789' });
    const url = hookgate.url;

    const statuses: number[] = [];
    let sending = true;
    const client = async () => {
      while (sending) statuses.push((await fetch(`${url}/api/orders`)).status);
    };
    const clients = Array.from({ length: 8 }, client);
    for (let round = 0; round < 12; round += 1) {
      // Every third file is invalid: the running config must stay, and no request may notice.
      file.rewrite(round % 3 === 2 ? 'routes: [{name: orders, paths: [api]}]' : configFor(upstream, 100_000 - round));
      hookgate.child.kill('SIGHUP');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    file.rewrite(configFor(upstream, 1));
    hookgate.child.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 300));
    sending = false;
    await Promise.all(clients);

    expect(statuses.length).toBeGreaterThan(100);
    // 429 only from the last file's limit of one; nothing else but 200, whatever reload was under way.
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(statuses.slice(0, 100).every((status) => status === 200)).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(reloadCount(metrics, 'applied')).toBe(9);
    expect(reloadCount(metrics, 'rejected')).toBe(4);
    expect(hookgate.output()).toContain('gateway config reload rejected; the running config stays');
    // The last file allows one request per minute per address (the load used it up): its policy answers.
    const after = await fetch(`${url}/api/orders`);
    expect(after.status).toBe(429);
    expect(after.headers.get('ratelimit-policy')).toMatch(/^"orders"; q=1; w=60/);
  }, 60_000);
});
