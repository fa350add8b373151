import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayConfigError } from '../../../gateway/config/index.js';
import { createOutboxRelay, createSqliteOutbox, type EventOutbox, type OutboxRelay } from '../../../gateway/outbox/index.js';
import { createEventPublisher } from '../../../gateway/services/event-publisher.js';
import { createProcessor, createSqliteMergeBuffer, type MergeBuffer, type Processor } from '../../../processor/index.js';
import { HookgateMetrics } from '../../../shared/metrics.js';
import { TestReceiver } from '../../support/receiver.js';
import { startGateway, type GatewayHarness } from '../gateway-harness.js';
import { flakyBroker, type FlakyBroker } from '../outbox/flaky-broker.js';
import { FAST_RELAY } from '../outbox/outbox-fixture.js';
import { bearerFor, emitEventYaml } from './emit-event-fixture.js';
import { startGatewayFromYaml, startUpstream, testContext, testLogger, type RunningGateway, type Upstream } from './gateway-fixture.js';

const WAIT = { timeout: 10_000, interval: 20 };

/** The orders service: creates an order from the JSON body (201), or answers the status the test asks for in `x-answer-status`. */
function ordersService(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const status = Number(req.headers['x-answer-status'] ?? 201);
    if (status >= 400) {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'refused' }));
      return;
    }
    const order = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `ord_${String(order.sku)}`, status: 'created', ...order }));
  });
}

describe('emit-event plugin: a proxied call becomes a webhook', () => {
  let platform: GatewayHarness;
  let broker: FlakyBroker;
  let outbox: EventOutbox;
  let relay: OutboxRelay;
  let processor: Processor;
  let mergeBuffer: MergeBuffer;
  let receiver: TestReceiver;
  let upstream: Upstream;
  let gateway: RunningGateway;
  let appId: string;
  let secret: string;
  let metrics: HookgateMetrics;

  beforeEach(async () => {
    platform = await startGateway({ env: { HOOKGATE_ALLOW_PRIVATE_URLS: 'true', HOOKGATE_RETRY_SCHEDULE: '100ms', HOOKGATE_RETRY_JITTER: '0' } });
    receiver = await new TestReceiver().start();
    const shop = await platform.createApp('shop');
    appId = shop.appId;
    const subscription = await shop.client.post('/v1/subscriptions', { url: `${receiver.url}/hooks`, events: ['order.*'] });
    expect(subscription.status).toBe(201);
    secret = subscription.body.secret;

    // The processor consumes from the real queue; the gateway publishes through a switch that can take it down.
    mergeBuffer = createSqliteMergeBuffer({ file: join(platform.config.dataDir, 'merge.sqlite') });
    await mergeBuffer.start();
    processor = createProcessor({
      config: platform.config,
      broker: platform.broker,
      mergeBuffer,
      subscriptions: platform.storage.subscriptions,
      secretBox: platform.secretBox,
      logger: testLogger,
      metrics: new HookgateMetrics('processor'),
    });
    await processor.start();

    broker = flakyBroker(platform.broker);
    metrics = new HookgateMetrics('gateway');
    outbox = createSqliteOutbox({ file: join(platform.config.dataDir, 'emit-event-outbox.sqlite') });
    await outbox.start();
    const publisher = createEventPublisher({ events: platform.storage.events, broker, metrics, idempotencyWindowMs: platform.config.idempotencyWindowMs });
    relay = createOutboxRelay({ outbox, publisher, logger: testLogger, metrics, ...FAST_RELAY });
    await relay.start();

    upstream = await startUpstream(ordersService);
    gateway = await startGatewayFromYaml(emitEventYaml(upstream.url, `{type: order.created, data: '{"orderId": response.body.id, "sku": request.body.sku, "path": request.path}'}`), {
      context: testContext({ metrics, outbox }),
    });
  });

  afterEach(async () => {
    await gateway.close();
    await relay.stop();
    await outbox.close();
    await processor.stop();
    await mergeBuffer.stop();
    broker.restore();
    await platform.stop();
    await upstream.close();
    await receiver.close();
  });

  const order = (sku: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/api/orders`, {
      method: 'POST',
      headers: { ...bearerFor(appId), 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ sku, quantity: 2 }),
    });

  const webhookData = (index: number) => {
    const request = receiver.requests[index]!;
    return (new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: unknown });
  };

  it('delivers a signed webhook for a 2xx answer, with data from the request and the response bodies', async () => {
    const response = await order('blue-mug');
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ id: 'ord_blue-mug', sku: 'blue-mug' });

    await receiver.waitFor(1);
    expect(webhookData(0)).toMatchObject({ type: 'order.created', data: { orderId: 'ord_blue-mug', sku: 'blue-mug', path: '/api/orders' } });
    const stored = await platform.storage.events.list(appId, {}, { limit: 10 });
    expect(stored.data).toHaveLength(1);
    expect(stored.data[0]!.idempotencyKey).toBe(`${response.headers.get('x-request-id')}:order.created`);
  });

  it('makes no event for a 4xx answer', async () => {
    const refused = await order('refused-mug', { 'x-answer-status': '422' });
    expect(refused.status).toBe(422);
    await refused.arrayBuffer();
    // A 2xx after it: once its webhook is in, the 4xx had every chance to make one.
    await (await order('green-mug')).arrayBuffer();
    await receiver.waitFor(1);
    await vi.waitFor(async () => expect((await outbox.depth()).waiting).toBe(0), WAIT);
    expect(receiver.requests).toHaveLength(1);
    expect(webhookData(0).data).toMatchObject({ sku: 'green-mug' });
    const emitted = await metrics.registry.getSingleMetricAsString('hookgate_gateway_emitted_events_total');
    expect(emitted).toContain('hookgate_gateway_emitted_events_total{route="orders",outcome="queued",tier="gateway"} 1');
  });

  it('takes the request id as the idempotency key: the same request id twice makes one event', async () => {
    for (const sku of ['red-mug', 'red-mug']) await (await order(sku, { 'x-request-id': 'req-retry-7' })).arrayBuffer();
    await (await order('other-mug', { 'x-request-id': 'req-other-8' })).arrayBuffer();

    await receiver.waitFor(2);
    await vi.waitFor(async () => expect((await outbox.depth()).waiting).toBe(0), WAIT);
    const stored = await platform.storage.events.list(appId, {}, { limit: 10 });
    expect(stored.data.map((event) => event.idempotencyKey).sort()).toEqual(['req-other-8:order.created', 'req-retry-7:order.created']);
    // Give a wrongly duplicated webhook time to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(2);
  });

  it('answers at once while the broker hangs, keeps the event in the outbox, and delivers it when the broker is back', async () => {
    broker.state = 'hanging';
    const started = performance.now();
    const response = await order('slow-day-mug');
    await response.arrayBuffer();
    const elapsedMs = performance.now() - started;
    expect(response.status).toBe(201);
    expect(elapsedMs).toBeLessThan(500);
    // The answer ends only once its event is durable: no wait needed to find it in the outbox.
    expect((await outbox.depth()).waiting).toBe(1);

    await vi.waitFor(async () => expect((await outbox.oldest(1))[0]?.attempts).toBeGreaterThanOrEqual(1), WAIT);
    expect((await outbox.oldest(10)).map((entry) => entry.event)).toMatchObject([{ appId, type: 'order.created', data: { sku: 'slow-day-mug' } }]);
    expect(await metrics.registry.getSingleMetricAsString('hookgate_gateway_outbox_events')).toContain(
      'hookgate_gateway_outbox_events{state="waiting",tier="gateway"} 1',
    );
    expect(receiver.requests).toHaveLength(0);

    broker.restore();
    await receiver.waitFor(1);
    expect(webhookData(0)).toMatchObject({ type: 'order.created', data: { orderId: 'ord_slow-day-mug' } });
    await vi.waitFor(async () => expect((await outbox.depth()).waiting).toBe(0), WAIT);
  });
});

describe('emit-event plugin: config', () => {
  /** Building never opens the outbox: a plugin only keeps it. */
  const load = async (emitConfig: string, routePlugins?: string, withOutbox = true) => {
    const context = testContext(withOutbox ? { outbox: createSqliteOutbox({ file: ':memory:' }) } : {});
    const gateway = await startGatewayFromYaml(emitEventYaml('http://127.0.0.1:9', emitConfig, routePlugins), { context });
    await gateway.close();
  };

  it('refuses a route without an authenticating plugin before it, a reserved or malformed type, and a bad expression', async () => {
    const mistakes = async (emitConfig: string, routePlugins?: string) => {
      try {
        await load(emitConfig, routePlugins);
        return ['(accepted)'];
      } catch (error) {
        expect(error).toBeInstanceOf(GatewayConfigError);
        return (error as GatewayConfigError).issues;
      }
    };
    expect((await mistakes('{type: order.created}', '[{name: emit-event, config: {type: order.created}}]'))[0]).toMatch(
      /routes\[0\] \(orders\)\.plugins\[0\] \(emit-event\)\.config\.type: needs an earlier plugin that authenticates the caller \(jwt/,
    );
    expect((await mistakes('{type: hookgate.order}'))[0]).toMatch(/plugins\[1\] \(emit-event\)\.config\.type: "hookgate\." types are the platform's own/);
    expect((await mistakes('{type: "order created"}'))[0]).toMatch(/config\.type: must be dot-separated words/);
    expect((await mistakes(`{type: order.created, data: 'response.body.('}`))[0]).toMatch(/config\.data: is not a valid JSONata expression/);
    expect((await mistakes('{type: order.created, extra: 1}'))[0]).toMatch(/plugins\[1\] \(emit-event\)\.config\.extra: is not a known field/);
    expect(await mistakes(`{type: order.created, data: '{"id": response.body.id}', maxBodyBytes: 1024}`)).toEqual(['(accepted)']);
  });

  it('cannot be built without the gateway outbox: the error names the route', async () => {
    await expect(load('{type: order.created}', undefined, false)).rejects.toThrow(/routes\[0\] \(orders\)\.plugins\[1\] \(emit-event\)\.config: emit-event needs the gateway's event outbox/);
  });
});
