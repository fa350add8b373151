import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a platform service behind the gateway (examples/hookgate.yaml): an in-memory
 * orders API that prints every request with the headers the gateway adds.
 *
 *   PORT=9000 node bin/run-ts.js examples/orders-upstream.ts
 *
 * GET /orders, GET /orders/{id}, POST /orders (a JSON body; answers 201 with the stored order).
 */
const orders = new Map<string, Record<string, unknown>>();

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { pathname } = new URL(req.url ?? '/', 'http://upstream');
    process.stdout.write(
      `${req.method} ${req.url}  x-request-id: ${req.headers['x-request-id'] ?? '-'}  x-forwarded-for: ${req.headers['x-forwarded-for'] ?? '-'}\n`,
    );
    const id = /^\/orders\/([^/]+)$/.exec(pathname)?.[1];
    if (req.method === 'GET' && pathname === '/orders') return send(res, 200, { orders: [...orders.values()] });
    if (req.method === 'GET' && id !== undefined) {
      const order = orders.get(id);
      return order ? send(res, 200, order) : send(res, 404, { error: `no order ${id}` });
    }
    if (req.method === 'POST' && pathname === '/orders') {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(res, 400, { error: 'send a JSON object' });
      }
      const order = { ...(body as object), id: `ord_${randomUUID().slice(0, 8)}`, createdAt: new Date().toISOString() };
      orders.set(order.id, order);
      return send(res, 201, order);
    }
    send(res, 404, { error: `no route ${req.method} ${pathname}` });
  });
});

server.listen(Number(process.env.PORT ?? 9000), '127.0.0.1', () => {
  process.stdout.write(`orders upstream on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
