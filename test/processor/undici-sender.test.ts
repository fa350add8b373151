import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createUndiciSender, type UndiciSenderOptions } from '../../processor/sender/undici-sender.js';
import type { WebhookSender } from '../../processor/sender/webhook-sender.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server on a free loopback port that records what reaches it, down to TCP connections. */
interface LoopbackServer {
  port: number;
  url: string;
  requests: Received[];
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
  /** Resolves when every accepted connection has closed; rejects if one is still open after `timeoutMs`. */
  allClosed(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const servers: LoopbackServer[] = [];
const senders: WebhookSender[] = [];

async function startServer(handler: (req: IncomingMessage, res: ServerResponse, received: Received) => void): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      state.requests.push(received);
      handler(req, res, received);
    });
  });
  server.on('connection', (socket: Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const state: LoopbackServer = {
    port,
    url: `http://127.0.0.1:${port}`,
    requests: [],
    connections: 0,
    async allClosed(timeoutMs = 2_000) {
      // A reset by the sender is expected here; only the close matters (events.once would reject on 'error').
      const closed = Promise.all([...sockets].map((socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.on('close', () => resolve())))));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`a connection to the receiver was still open after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([closed, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.push(state);
  return state;
}

function sender(overrides: Partial<UndiciSenderOptions> = {}): WebhookSender {
  const created = createUndiciSender({ connectTimeoutMs: 1_000, timeoutMs: 2_000, maxResponseBytes: 64 * 1024, allowPrivate: true, ...overrides });
  senders.push(created);
  return created;
}

/** A port nothing listens on: bound once, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  return promise.then((value) => ({ value, ms: performance.now() - started }));
}

const webhook = (url: string) => ({
  url,
  headers: { 'content-type': 'application/json', 'webhook-id': 'dlv_test', 'x-custom': 'yes' },
  body: JSON.stringify({ id: 'evt_1', type: 'order.paid', data: { amount: 42 } }),
});

afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('undici sender against real loopback receivers', () => {
  it('POSTs the request as given and records a 2xx with its status and only the first KiB of the body', async () => {
    const body = 'a'.repeat(1000) + 'b'.repeat(24) + 'c'.repeat(4000);
    const receiver = await startServer((_req, res) => res.writeHead(201, { 'content-type': 'text/plain' }).end(body));

    const answer = await sender().send(webhook(receiver.url + '/hooks?x=1'));

    expect(answer.statusCode).toBe(201);
    expect(answer.error).toBeNull();
    expect(answer.responseBody).toBe('a'.repeat(1000) + 'b'.repeat(24));
    expect(answer.durationMs).toBeGreaterThanOrEqual(0);
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/hooks?x=1');
    expect(request!.headers['webhook-id']).toBe('dlv_test');
    expect(request!.headers['x-custom']).toBe('yes');
    expect(JSON.parse(request!.body)).toEqual({ id: 'evt_1', type: 'order.paid', data: { amount: 42 } });
  });

  it('records a non-2xx answer and its Retry-After header', async () => {
    const receiver = await startServer((_req, res) => res.writeHead(429, { 'retry-after': '7' }).end('slow down'));
    const answer = await sender().send(webhook(receiver.url));
    expect(answer).toMatchObject({ statusCode: 429, retryAfter: '7', responseBody: 'slow down', error: null });
  });

  it('gives up on a receiver that never answers after about the total time-out, and drops the connection', async () => {
    const receiver = await startServer(() => {
      // Never answers.
    });
    const timeoutMs = 500;
    const { value: answer, ms } = await timed(sender({ timeoutMs }).send(webhook(receiver.url)));

    expect(answer.statusCode).toBeNull();
    expect(answer.responseBody).toBeNull();
    expect(answer.error).toBe('timed out');
    expect(ms).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(ms).toBeLessThan(timeoutMs + 1_000);
    expect(answer.durationMs).toBeLessThan(timeoutMs + 1_000);
    expect(receiver.requests).toHaveLength(1);
    await receiver.allClosed();
  });

  it('counts the body in the total time-out: a receiver that answers 200 and then trickles is cut off', async () => {
    const receiver = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk;');
      const timer = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(timer));
    });
    const timeoutMs = 600;
    const { value: answer, ms } = await timed(sender({ timeoutMs }).send(webhook(receiver.url)));

    expect(ms).toBeLessThan(timeoutMs + 1_000);
    expect(answer.statusCode).toBe(200);
    expect(answer.error).toMatch(/timed out/);
    await receiver.allClosed();
  });

  it('stops reading an endless response body at maxResponseBytes and drops the connection', async () => {
    let written = 0;
    const receiver = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
      };
      res.on('drain', pump);
      pump();
    });
    const maxResponseBytes = 64 * 1024;
    const { value: answer, ms } = await timed(sender({ maxResponseBytes, timeoutMs: 10_000 }).send(webhook(receiver.url)));

    expect(answer.statusCode).toBe(200);
    expect(answer.responseBody).toBe('x'.repeat(1024));
    // Far sooner than the 10 s time-out: it stopped reading rather than waiting for an end that never comes.
    expect(ms).toBeLessThan(2_000);
    await receiver.allClosed();
    // Socket buffers hold some megabytes at most; an unbounded reader would have taken far more.
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('does not download a large finite body either', async () => {
    const size = 200 * 1024 * 1024;
    let written = 0;
    const receiver = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(size) });
      const chunk = Buffer.alloc(64 * 1024, 'y');
      const pump = () => {
        while (!res.destroyed && written < size && res.write(chunk)) written += chunk.length;
        if (written >= size) res.end();
      };
      res.on('drain', pump);
      pump();
    });
    const { value: answer, ms } = await timed(sender({ maxResponseBytes: 32 * 1024 }).send(webhook(receiver.url)));
    expect(answer.statusCode).toBe(200);
    expect(answer.responseBody).toBe('y'.repeat(1024));
    expect(ms).toBeLessThan(2_000);
    await receiver.allClosed();
    expect(written).toBeLessThan(size / 4);
  });

  it('does not follow a redirect: the 302 is the answer and its target receives nothing', async () => {
    const target = await startServer((_req, res) => res.end('should not be reached'));
    const redirecting = await startServer((_req, res) => res.writeHead(302, { location: target.url + '/elsewhere' }).end());

    const answer = await sender().send(webhook(redirecting.url));

    expect(answer.statusCode).toBe(302);
    expect(redirecting.requests).toHaveLength(1);
    expect(target.connections).toBe(0);
    expect(target.requests).toHaveLength(0);
  });

  it('reports a refused connection as an error without a status', async () => {
    const port = await freePort();
    const answer = await sender().send(webhook(`http://127.0.0.1:${port}/hooks`));
    expect(answer.statusCode).toBeNull();
    expect(answer.responseBody).toBeNull();
    expect(answer.error).toMatch(/ECONNREFUSED/);
  });

  it('reports a malformed URL as an error without a status', async () => {
    const answer = await sender().send(webhook('not a url'));
    expect(answer.statusCode).toBeNull();
    expect(answer.error).toMatch(/not a URL/);
  });

  describe('address guard (allowPrivate=false)', () => {
    it('refuses a host name that resolves to loopback at connect time, naming the address; the receiver gets nothing', async () => {
      const receiver = await startServer((_req, res) => res.end('ok'));
      const answer = await sender({ allowPrivate: false }).send(webhook(`http://localhost:${receiver.port}/hooks`));

      expect(answer.statusCode).toBeNull();
      expect(answer.responseBody).toBeNull();
      expect(answer.error).toMatch(/localhost/);
      expect(answer.error).toMatch(/(127\.0\.0\.1|::1) is a loopback address/);
      expect(receiver.connections).toBe(0);
      expect(receiver.requests).toHaveLength(0);
    });

    it('refuses a literal loopback address, IPv4 or IPv6, before connecting', async () => {
      const receiver = await startServer((_req, res) => res.end('ok'));
      const strict = sender({ allowPrivate: false });

      const v4 = await strict.send(webhook(`${receiver.url}/hooks`));
      expect(v4.statusCode).toBeNull();
      expect(v4.error).toMatch(/127\.0\.0\.1 is a loopback address/);

      const mapped = await strict.send(webhook(`http://[::ffff:127.0.0.1]:${receiver.port}/hooks`));
      expect(mapped.statusCode).toBeNull();
      expect(mapped.error).toMatch(/loopback/);

      const v6 = await strict.send(webhook(`http://[::1]:${receiver.port}/hooks`));
      expect(v6.statusCode).toBeNull();
      expect(v6.error).toMatch(/::1 is a loopback address/);

      expect(receiver.connections).toBe(0);
      expect(receiver.requests).toHaveLength(0);
    });

    it('refuses a metadata address even when private addresses are allowed', async () => {
      const answer = await sender({ allowPrivate: true }).send(webhook('http://169.254.169.254/latest/meta-data/'));
      expect(answer.statusCode).toBeNull();
      expect(answer.error).toMatch(/metadata/);
    });

    it('lets both through with allowPrivate=true', async () => {
      const receiver = await startServer((_req, res) => res.end('ok'));
      const permissive = sender({ allowPrivate: true });

      const byName = await permissive.send(webhook(`http://localhost:${receiver.port}/by-name`));
      expect(byName).toMatchObject({ statusCode: 200, responseBody: 'ok', error: null });
      const byAddress = await permissive.send(webhook(`${receiver.url}/by-address`));
      expect(byAddress).toMatchObject({ statusCode: 200, responseBody: 'ok', error: null });

      expect(receiver.requests.map((request) => request.path)).toEqual(['/by-name', '/by-address']);
    });
  });
});
