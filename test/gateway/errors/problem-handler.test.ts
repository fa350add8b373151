import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, expectProblem, startGateway, type GatewayHarness } from '../gateway-harness.js';

describe('gateway errors and request ids', () => {
  let gateway: GatewayHarness;

  beforeEach(async () => {
    gateway = await startGateway();
  });
  afterEach(async () => {
    await gateway.stop();
  });

  it('answers an unknown route with a 404 problem naming it', async () => {
    const response = await gateway.admin.get('/v1/nothing-here');
    expectProblem(response, 404, 'not-found');
    expect(response.body).toMatchObject({ title: expect.any(String), detail: expect.stringContaining('/v1/nothing-here'), instance: '/v1/nothing-here' });
  });

  it('answers a known path with a wrong method with 405 and Allow', async () => {
    const response = await gateway.admin.call('PUT', '/v1/subscriptions');
    expectProblem(response, 405, 'method-not-allowed');
    expect(response.headers.get('allow')).toBe('POST, GET, HEAD');
  });

  it('echoes a given x-request-id, makes one otherwise, and puts it in problems', async () => {
    const given = await gateway.admin.call('GET', '/v1/apps', undefined, { 'x-request-id': 'trace-me-42' });
    expect(given.headers.get('x-request-id')).toBe('trace-me-42');

    const made = await gateway.anonymous.get('/v1/apps');
    const id = made.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.body.requestId).toBe(id);

    const forged = await gateway.admin.call('GET', '/v1/apps', undefined, { 'x-request-id': 'x'.repeat(500) });
    expect(forged.headers.get('x-request-id')).not.toBe('x'.repeat(500));
  });

  it('answers a path that cannot be decoded with a 400 problem, not a 500', async () => {
    const response = await fetch(`${gateway.url}/v1/subscriptions/%E0%A4%A`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
