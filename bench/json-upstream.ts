import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { tsWorker } from './ts-worker.js';

const BODY = JSON.stringify({ id: 'ord_7', status: 'shipped', total: { amount: 4200, currency: 'EUR' }, items: 3 });

export interface JsonUpstream {
  url: string;
  /** TCP connections accepted so far: tells a proxy that reuses connections from one that does not. */
  connections(): Promise<number>;
  stop(): Promise<number>;
}

/**
 * A loopback upstream answering every request with a small JSON body, on its own worker thread
 * so that the servers in front of it are measured without its work on their event loop.
 */
export async function startJsonUpstream(): Promise<JsonUpstream> {
  const worker = tsWorker(new URL(import.meta.url), { role: 'json-upstream' });
  const next = () =>
    new Promise<any>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const url: string = await next();
  return {
    url,
    async connections() {
      const answer = next();
      worker.postMessage('connections');
      return answer;
    },
    stop: () => worker.terminate(),
  };
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === 'json-upstream') {
  let connections = 0;
  const server = createServer({ keepAliveTimeout: 65_000 }, function answerJson(req, res) {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) }).end(BODY));
  });
  server.on('connection', () => (connections += 1));
  server.listen(0, '127.0.0.1', () => parentPort!.postMessage(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  parentPort!.on('message', () => parentPort!.postMessage(connections));
}
