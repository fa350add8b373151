import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback receiver that notes when each body with a given `data.seq` arrives at each path
 * (the same event reaches every subscription's own path), so a run can pair every send with
 * its receipt. It answers 204 at once.
 */
export class LatencyReceiver {
  readonly arrivals = new Map<string, number>();
  #server: Server | undefined;
  #onArrival: (() => void) | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const seq = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { seq: number } }).data.seq;
        const key = `${req.url} ${seq}`;
        if (!this.arrivals.has(key)) this.arrivals.set(key, performance.now());
        res.writeHead(204).end();
        this.#onArrival?.();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** When the body with this `seq` arrived at `path`. */
  arrivalOf(seq: number, path = '/hook'): number | undefined {
    return this.arrivals.get(`${path} ${seq}`);
  }

  reset(): void {
    this.arrivals.clear();
  }

  /** Resolves when `count` distinct (path, sequence number) pairs have arrived. */
  waitForAll(count: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.arrivals.size} of ${count} arrived`)), timeoutMs);
      const check = () => {
        if (this.arrivals.size >= count) {
          clearTimeout(timer);
          this.#onArrival = undefined;
          resolve();
        }
      };
      this.#onArrival = check;
      check();
    });
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}
