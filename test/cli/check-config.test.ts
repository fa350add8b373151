import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { writeConfig } from '../gateway/plugins/gateway-fixture.js';

function checkConfig(file: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/hookgate.js', 'check-config', file], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('hookgate check-config FILE', () => {
  it('exits 0 for the config the Kubernetes base deploys', () => {
    const result = checkConfig('deploy/base/hookgate.yaml');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('exits 0 for the example config', () => {
    const result = checkConfig('examples/hookgate.yaml', { ORDERS_JWT_SECRET: 'a-secret-of-at-least-32-characters-0123' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('examples/hookgate.yaml: valid\n');
    expect(result.status).toBe(0);
  });

  it('exits 1 listing every mistake with the file, the route and the field', () => {
    const file = writeConfig(`
services:
  orders: {url: "http://127.0.0.1:9000"}
routes:
  - name: create-order
    service: order
    paths: [/api/orders]
    plugins:
      - name: rate-limit
        config: {limit: 0, windowMs: 60000}
`);
    try {
      const result = checkConfig(file.path);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`${file.path}: routes[0] (create-order).service: no service named "order" (services: orders)`);
      expect(result.stderr).toContain(`${file.path}: routes[0] (create-order).plugins[0] (rate-limit).config.limit: must be a positive integer`);
    } finally {
      file.remove();
    }
  });
});
