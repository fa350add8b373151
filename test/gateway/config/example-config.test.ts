import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadGatewayConfig } from '../../../gateway/config/index.js';
import { eventually } from '../../support/api-client.js';
import { startGateway, type GatewayHarness } from '../gateway-harness.js';
import { expectProblemBody } from '../plugins/gateway-fixture.js';

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
  let gateway: GatewayHarness;
  beforeAll(async () => {
    upstream = await startOrdersUpstream();
    // The file's ${VAR}s come from the gateway's environment, as in the README.
    vi.stubEnv('ORDERS_URL', upstream.url);
    vi.stubEnv('ORDERS_JWT_SECRET', SECRET);
    gateway = await startGateway({ env: { HOOKGATE_CONFIG: 'examples/hookgate.yaml' } });
  });
  afterAll(async () => {
    await gateway?.stop();
    vi.unstubAllEnvs();
    if (upstream !== undefined && upstream.process.exitCode === null) {
      upstream.process.kill();
      await once(upstream.process, 'exit');
    }
  });

  it('creates an order for an app key, turns it into an order.created event for that app, and proxies reads', async () => {
    const { appId, key } = await gateway.createApp('shop');
    await expectProblemBody(await fetch(`${gateway.url}/api/orders`, { method: 'POST', body: '{}' }), 401, 'unauthorized');
    const created = await fetch(`${gateway.url}/api/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'book', quantity: 2 }),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string };
    expect(created.headers.get('x-request-id')).toBeTruthy();
    expect(created.headers.get('ratelimit-policy')).toMatch(/^"create-order"; q=100; w=60/);

    const events = await eventually(async () => {
      const listed = await gateway.admin.get(`/v1/events?appId=${appId}`);
      const data = listed.body.data as { type: string; data: unknown }[];
      return data.length > 0 ? data : undefined;
    }, 5_000);
    expect(events).toEqual([expect.objectContaining({ type: 'order.created', data: { orderId: order.id, item: 'book', quantity: 2 } })]);

    const read = await fetch(`${gateway.url}/api/orders/${order.id}`);
    expect(await read.json()).toMatchObject({ id: order.id, item: 'book', quantity: 2 });
  });

  it('creates orders for a partner with a valid JWT only', async () => {
    const token = jwt.sign({ app_id: 'app_partner', iss: 'https://id.example.com/', aud: 'orders', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);
    await expectProblemBody(await fetch(`${gateway.url}/partner/orders`, { method: 'POST', body: '{}' }), 401, 'unauthorized');
    const created = await fetch(`${gateway.url}/partner/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'pen', quantity: 1 }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('ratelimit-policy')).toMatch(/^"partner-create-order"; q=100; w=60/);
  });

  it('needs ORDERS_JWT_SECRET', async () => {
    await expect(loadGatewayConfig('examples/hookgate.yaml', { env: {} })).rejects.toThrow(
      'examples/hookgate.yaml: routes[2] (partner-create-order).plugins[1] (jwt).config.secret: ${ORDERS_JWT_SECRET} is not set and has no default',
    );
  });
});
