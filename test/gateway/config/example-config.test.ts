import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../../gateway/config/index.js';
import { buildGatewayPipeline } from '../../../gateway/pipeline/index.js';
import { startHttpServer, type RunningServer } from '../../../shared/http/http-server.js';
import { expectProblemBody, gatewayApp, testContext } from '../plugins/gateway-fixture.js';

const SECRET = 'example-secret-for-the-test-0123456789';

/** Runs examples/orders-upstream.ts as the README's quick start does, on a free port. */
async function startOrdersUpstream(): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'examples/orders-upstream.ts'], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  // Read on for the child's whole life: a closed pipe would make its request log fail with EPIPE.
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /orders upstream on (http:\/\/\S+)/.exec(output)?.[1];
      if (found !== undefined) resolve(found);
    });
    child.once('exit', () => reject(new Error(`the upstream exited: ${output}`)));
  });
  return { process: child, url };
}

describe('examples/hookgate.yaml', () => {
  let upstream: { process: ChildProcess; url: string };
  let gateway: RunningServer;
  beforeAll(async () => {
    upstream = await startOrdersUpstream();
    const config = await loadGatewayConfig('examples/hookgate.yaml', { env: { ORDERS_URL: upstream.url, ORDERS_JWT_SECRET: SECRET } });
    gateway = await startHttpServer(gatewayApp(buildGatewayPipeline(config, testContext())), 0, '127.0.0.1');
  });
  afterAll(async () => {
    await gateway?.close(1_000);
    if (upstream !== undefined && upstream.process.exitCode === null) {
      upstream.process.kill();
      await once(upstream.process, 'exit');
    }
  });

  it('proxies reads, and creates orders for a caller with a valid JWT only', async () => {
    const token = jwt.sign({ app_id: 'app_shop', iss: 'https://id.example.com/', aud: 'orders', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);
    await expectProblemBody(await fetch(`${gateway.url}/api/orders`, { method: 'POST', body: '{}' }), 401, 'unauthorized');
    const created = await fetch(`${gateway.url}/api/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'book', quantity: 2 }),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string };
    expect(created.headers.get('x-request-id')).toBeTruthy();
    expect(created.headers.get('ratelimit-policy')).toMatch(/^"create-order"; q=100; w=60/);
    const read = await fetch(`${gateway.url}/api/orders/${order.id}`);
    expect(await read.json()).toMatchObject({ id: order.id, item: 'book', quantity: 2 });
  });

  it('needs ORDERS_JWT_SECRET', async () => {
    await expect(loadGatewayConfig('examples/hookgate.yaml', { env: {} })).rejects.toThrow(
      'examples/hookgate.yaml: routes[1] (create-order).plugins[1] (jwt).config.secret: ${ORDERS_JWT_SECRET} is not set and has no default',
    );
  });
});
