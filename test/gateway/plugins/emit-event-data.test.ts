import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSqliteOutbox, defaultOutboxFile, type EventOutbox } from '../../../gateway/outbox/index.js';
import { bodyValue } from '../../../gateway/plugins/emit-event/body-capture.js';
import { bodiesRead } from '../../../gateway/plugins/emit-event/event-data.js';
import { HookgateMetrics } from '../../../shared/metrics.js';
import { makeTempDir } from '../../support/temp-dir.js';
import { bearerFor, emitEventModules, emitEventYaml, JWT_PLUGIN } from './emit-event-fixture.js';
import { startGatewayFromYaml, startUpstream, testContext, type RunningGateway, type Upstream } from './gateway-fixture.js';

const WAIT = { timeout: 5_000, interval: 10 };
const APP = 'app_data_test';

describe('emit-event plugin: what the data expression sees', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let outbox: EventOutbox;
  let metrics: HookgateMetrics;
  let upstream: Upstream | undefined;
  let gateway: RunningGateway | undefined;
  beforeEach(async () => {
    dir = makeTempDir('emit-event-data');
    outbox = createSqliteOutbox({ file: defaultOutboxFile(dir.path) });
    await outbox.start();
    metrics = new HookgateMetrics('gateway');
  });
  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
    gateway = upstream = undefined;
    await outbox.close();
    dir.remove();
  });

  /** The upstream answers with `handle`; the route emits `order.created` with this config. */
  async function start(handle: (req: IncomingMessage, res: ServerResponse) => void, emitConfig: string, yaml?: string) {
    upstream = await startUpstream(handle);
    gateway = await startGatewayFromYaml(yaml ?? emitEventYaml(upstream.url, emitConfig), { context: testContext({ outbox, metrics }) });
  }

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway!.url}/api/orders`, { method: 'POST', headers: { ...bearerFor(APP), 'content-type': 'application/json', ...headers }, body });

  async function onlyEvent() {
    await vi.waitFor(async () => expect((await outbox.depth()).waiting).toBe(1), WAIT);
    return (await outbox.oldest(1))[0]!.event;
  }

  const answer = (status: number, headers: Record<string, string>, body: string | Buffer) => (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => res.writeHead(status, headers).end(body));
  };

  it('sees a JSON body parsed, a text body as text, and a binary body as null', async () => {
    await start(answer(200, { 'content-type': 'text/plain; charset=utf-8' }, 'created order 7'), `{type: order.created, data: '{"req": request.body, "res": response.body, "status": response.status, "method": request.method, "query": request.query}'}`);
    const response = await fetch(`${gateway!.url}/api/orders?draft=yes`, { method: 'POST', headers: { ...bearerFor(APP), 'content-type': 'application/json' }, body: '{"sku":"mug"}' });
    expect(await response.text()).toBe('created order 7');
    const event = await onlyEvent();
    expect(event).toMatchObject({ appId: APP, type: 'order.created', data: { req: { sku: 'mug' }, res: 'created order 7', status: 200, method: 'POST', query: { draft: 'yes' } } });
    expect(event.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    expect(bodyValue(Buffer.from([0, 1, 2]), { contentType: 'application/octet-stream' }, 100)).toBeNull();
    expect(bodyValue(Buffer.from('{"a":1}'), {}, 100)).toEqual({ a: 1 });
    expect(bodyValue(Buffer.from('not json'), { contentType: 'application/json' }, 100)).toBe('not json');
    expect(bodyValue(Buffer.from('<a/>'), { contentType: 'application/atom+xml' }, 100)).toBe('<a/>');
    expect(bodyValue(Buffer.alloc(0), { contentType: 'application/json' }, 100)).toBeNull();
    expect(bodyValue(gzipSync('x'.repeat(1_000)), { contentType: 'text/plain', contentEncoding: 'gzip' }, 100)).toBeNull();
  });

  it('undoes a gzip Content-Encoding, while the client gets the compressed bytes unchanged', async () => {
    const compressed = gzipSync(JSON.stringify({ id: 'ord_9', total: 12.5 }));
    await start(answer(201, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, compressed), '{type: order.created}');
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const outgoing = httpRequest(`${gateway!.url}/api/orders`, { method: 'POST', headers: { ...bearerFor(APP), 'content-type': 'application/json' } }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => resolve(Buffer.concat(chunks)));
      });
      outgoing.on('error', reject);
      outgoing.end('{}');
    });
    expect(raw.equals(compressed)).toBe(true);
    expect((await onlyEvent()).data).toEqual({ id: 'ord_9', total: 12.5 });
  });

  it('passes a response over maxBodyBytes through whole, and the expression sees its body as null', async () => {
    const big = JSON.stringify({ filler: 'x'.repeat(300_000) });
    await start(answer(200, { 'content-type': 'application/json' }, big), `{type: order.created, maxBodyBytes: 100000, data: '{"body": response.body, "status": response.status}'}`);
    const response = await post('{}');
    expect(await response.text()).toBe(big);
    expect((await onlyEvent()).data).toEqual({ body: null, status: 200 });
  });

  it('streams the answer to the client as the upstream sends it, and makes the event once it has ended', async () => {
    let finish: () => void = () => {};
    await start((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"ord_');
      finish = () => res.end('stream"}');
    }, '{type: order.created, data: response.body.id}');
    const response = await post('{}');
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"id":"ord_');
    expect((await outbox.depth()).waiting).toBe(0);
    finish();
    while (!(await reader.read()).done);
    expect((await onlyEvent()).data).toBe('ord_stream');
  });

  it('sees a chunked request body as it streamed to the upstream', async () => {
    let upstreamGot = '';
    await start((req, res) => {
      req.on('data', (chunk: Buffer) => (upstreamGot += chunk.toString('utf8')));
      req.on('end', () => res.writeHead(204).end());
    }, '{type: order.created, data: request.body.items}');
    await new Promise<void>((resolve, reject) => {
      const outgoing = httpRequest(`${gateway!.url}/api/orders`, { method: 'POST', headers: { ...bearerFor(APP), 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (incoming) => {
        incoming.resume();
        incoming.on('end', resolve);
      });
      outgoing.on('error', reject);
      outgoing.write('{"items": [1, ');
      setTimeout(() => outgoing.end('2, 3]}'), 30);
    });
    expect(upstreamGot).toBe('{"items": [1, 2, 3]}');
    expect((await onlyEvent()).data).toEqual([1, 2, 3]);
  });

  it('gives null data when the expression yields nothing, and makes no event (counted) when it fails', async () => {
    await start(answer(200, { 'content-type': 'application/json' }, '{"id": 1}'), `{type: order.created, data: 'response.body.missing'}`);
    await (await post('{}')).arrayBuffer();
    expect((await onlyEvent()).data).toBeNull();
    await gateway!.close();

    gateway = await startGatewayFromYaml(emitEventYaml(upstream!.url, `{type: order.failed, data: '$error("no")'}`), { context: testContext({ outbox, metrics }) });
    const response = await post('{}');
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    await vi.waitFor(async () =>
      expect(await metrics.registry.getSingleMetricAsString('hookgate_gateway_emitted_events_total')).toContain('outcome="data_failed"'),
    WAIT);
    expect((await outbox.depth()).waiting).toBe(1);
  });

  it("keys the event by the caller's X-Request-Id without the request-id plugin, or by a new id", async () => {
    const yaml = (url: string) => `${emitEventModules()}services: {orders: {url: "${url}"}}
routes:
  - {name: orders, service: orders, paths: [/api/orders], plugins: [${JWT_PLUGIN}, {name: emit-event, config: {type: order.created}}]}
`;
    upstream = await startUpstream(answer(200, { 'content-type': 'application/json' }, '{}'));
    gateway = await startGatewayFromYaml(yaml(upstream.url), { context: testContext({ outbox, metrics }) });
    await (await post('{}', { 'x-request-id': 'caller-id-1' })).arrayBuffer();
    await (await post('{}')).arrayBuffer();
    await vi.waitFor(async () => expect((await outbox.depth()).waiting).toBe(2), WAIT);
    const keys = (await outbox.oldest(2)).map((entry) => entry.event.idempotencyKey);
    expect(keys).toContain('caller-id-1:order.created');
    expect(keys.find((key) => key !== 'caller-id-1:order.created')).toMatch(/^[0-9a-f-]{36}:order\.created$/);
  });

  it('makes the event for a 2xx whose client went away mid-answer, without the cut-off body', async () => {
    await start((req, res) => {
      req.resume();
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"id": "ord_');
    }, `{type: order.created, data: '{"status": response.status, "body": response.body}'}`);
    await new Promise<void>((resolve, reject) => {
      const outgoing = httpRequest(`${gateway!.url}/api/orders`, { method: 'POST', headers: { ...bearerFor(APP), 'content-type': 'application/json' } }, (incoming) => {
        incoming.once('data', () => {
          outgoing.destroy();
          resolve();
        });
      });
      outgoing.on('error', (error) => (outgoing.destroyed ? undefined : reject(error)));
      outgoing.end('{}');
    });
    expect((await onlyEvent()).data).toEqual({ status: 201, body: null });
  });
});

describe('emit-event: which bodies an expression reads', () => {
  it.each([
    ['response.body', { request: false, response: true }],
    ['request.body.sku', { request: true, response: false }],
    ['{"id": response.body.id, "sku": request.body.sku}', { request: true, response: true }],
    ['response.status', { request: false, response: true }],
    ['requestId', { request: false, response: false }],
    ['$now()', { request: false, response: false }],
    ['$string()', { request: true, response: true }],
    ['$', { request: true, response: true }],
    ['$$.response', { request: true, response: true }],
    ['*.body', { request: true, response: true }],
    ['**.id', { request: true, response: true }],
    ['$eval("request.body")', { request: true, response: true }],
    ['$lookup(request, "body")', { request: true, response: false }],
  ])('%s', (expression, expected) => {
    expect(bodiesRead(expression)).toEqual(expected);
  });
});
