import { afterEach, describe, expect, it } from 'vitest';
import { expectProblem, startGateway, subscriptionBody, type GatewayHarness } from '../gateway-harness.js';

describe('gateway health, readiness and metrics', () => {
  let gateway: GatewayHarness;

  afterEach(async () => {
    await gateway.stop();
  });

  it('is alive and ready while storage and broker answer', async () => {
    gateway = await startGateway();
    const health = await gateway.anonymous.get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await gateway.anonymous.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { storage: true, broker: true } });
  });

  it('is not ready (503 naming what failed) when the broker is closed or an extra check fails', async () => {
    let consumersRunning = true;
    gateway = await startGateway({ readinessChecks: { processor: async () => consumersRunning } });
    expect((await gateway.anonymous.get('/readyz')).body.checks).toEqual({ storage: true, broker: true, processor: true });

    consumersRunning = false;
    const processorDown = await gateway.anonymous.get('/readyz');
    expectProblem(processorDown, 503, 'unavailable');
    expect(processorDown.body.detail).toContain('processor');

    await gateway.closeBroker();
    const brokerDown = await gateway.anonymous.get('/readyz');
    expectProblem(brokerDown, 503, 'unavailable');
    expect(brokerDown.body.detail).toContain('broker');
    expect((await gateway.anonymous.get('/healthz')).status).toBe(200);
  });

  it('exports request metrics by route pattern, never by raw path', async () => {
    gateway = await startGateway();
    const { client } = await gateway.createApp('shop');
    const created = await client.post('/v1/subscriptions', subscriptionBody());
    await client.get(`/v1/subscriptions/${created.body.id}`);
    await client.get('/v1/no/such/route');

    const metrics = await gateway.anonymous.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = metrics.body as string;
    expect(text).toMatch(/hookgate_http_requests_total\{[^}]*route="\/v1\/subscriptions\/\{id\}",method="GET",status="200"[^}]*\} 1/);
    // A path under /v1 that no operation serves is labelled by the gateway route, never by itself.
    expect(text).toMatch(/hookgate_http_requests_total\{[^}]*route="platform-api",method="GET",status="404"[^}]*\} 1/);
    expect(text).not.toMatch(/no\/such/);
    expect(text).toMatch(/hookgate_http_request_duration_seconds_count\{[^}]*route="\/v1\/subscriptions",method="POST"[^}]*\} 1/);
    expect(text).not.toContain(created.body.id);
    expect(text).not.toContain('/no/such/route');
  });
});
