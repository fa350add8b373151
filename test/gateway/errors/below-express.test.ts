import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../gateway-harness.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection after answering. */
  closed: boolean;
}

/** Writes `request` byte for byte on a new connection and reads until the server closes it (or 5 s pass). */
function rawExchange(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => (closed = true));
    // The server may close while the client is still writing an oversized request: that is its answer.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no HTTP answer: ${JSON.stringify(text)}`));
        return;
      }
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(split + 4), closed });
    });
    socket.write(request);
  });
}

function expectRawProblem(answer: RawAnswer, status: number, slug: string): void {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ type: `https://hookgate.dev/problems/${slug}`, status });
  expect(problem.title).toEqual(expect.any(String));
  expect(problem.detail).toEqual(expect.any(String));
  // Nothing more can be read from a connection whose request could not be parsed.
  expect(answer.headers.connection).toBe('close');
  expect(answer.closed).toBe(true);
}

/**
 * Issue 11: a 20 KB bearer token got a bare 431 from Node's HTTP parser, with no problem+json.
 * Every answer the gateway's server gives, even for a request Express never sees, is RFC 9457.
 */
describe('errors raised below Express', () => {
  let gateway: GatewayHarness;
  let port: number;

  beforeAll(async () => {
    gateway = await startGateway();
    port = Number(new URL(gateway.url).port);
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('answers a 20 KB bearer token with 431 problem+json', async () => {
    const response = await fetch(`${gateway.url}/v1/subscriptions`, { headers: { authorization: `Bearer hg_${'a'.repeat(20_000)}` } });
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ type: 'https://hookgate.dev/problems/headers-too-large', status: 431, code: 'HG_ERR_HEADERS_TOO_LARGE' });
  });

  it('answers 431 even while the client is still sending a large body', async () => {
    // The server reads and drops the rest of the body for a while (as nginx's lingering close does):
    // closing with input unread resets the connection, and the fuzz test saw clients lose the answer so.
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await fetch(`${gateway.url}/v1/events?appId=${'a'.repeat(20_000)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'order.paid', data: { blob: 'x'.repeat(3 * 1024 * 1024) } }),
      });
      expect(response.status).toBe(431);
      expect(await response.json()).toMatchObject({ status: 431, type: 'https://hookgate.dev/problems/headers-too-large' });
    }
  });

  it('answers a HEAD request refused by the parser without a body', async () => {
    const answer = await rawExchange(port, `HEAD /v1/events HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.body).toBe('');
  });

  it('answers a huge block of headers with 431 problem+json and closes the connection', async () => {
    const headers = Array.from({ length: 400 }, (_, index) => `x-filler-${index}: ${'v'.repeat(60)}\r\n`).join('');
    expectRawProblem(await rawExchange(port, `GET /v1/subscriptions HTTP/1.1\r\nHost: gateway\r\n${headers}\r\n`), 431, 'headers-too-large');
  });

  it.each([
    ['a malformed request line', 'HELLO THERE\r\n\r\n'],
    ['a request line with spaces in its target', 'GET /v1/sub scriptions now HTTP/1.1\r\nHost: gateway\r\n\r\n'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: gateway\r\nnot a header\r\n\r\n'],
    ['a control character in a header value', 'GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Bad: a\u0001b\r\n\r\n'],
    ['a Content-Length that is not a number', 'POST /v1/events HTTP/1.1\r\nHost: gateway\r\nContent-Length: ten\r\n\r\n'],
    ['both Content-Length and chunked framing', 'POST /v1/events HTTP/1.1\r\nHost: gateway\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ])('answers %s with 400 problem+json and closes the connection', async (_name, request) => {
    expectRawProblem(await rawExchange(port, request), 400, 'bad-request');
  });

  it('answers a chunked body over HOOKGATE_MAX_BODY_BYTES with 413 problem+json', async () => {
    const { client } = await gateway.createApp('big-bodies');
    const chunk = `"${'x'.repeat(64 * 1024)}",`;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"type": "order.paid", "data": ['));
        for (let index = 0; index < 20; index++) controller.enqueue(new TextEncoder().encode(chunk));
        controller.enqueue(new TextEncoder().encode('"end"]}'));
        controller.close();
      },
    });
    const response = await fetch(`${gateway.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ type: 'https://hookgate.dev/problems/payload-too-large', status: 413 });
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const { client } = await gateway.createApp('bad-json');
    const response = await client.call('POST', '/v1/events', '{"type": "order.paid", ');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ type: 'https://hookgate.dev/problems/malformed-request', status: 400 });
  });

  it('keeps serving well-formed requests on other connections', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});
