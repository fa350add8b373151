import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { problemOnClientError, ResponsesInFlight } from './client-error.js';

export interface RunningServer {
  readonly server: Server;
  /** The bound port (useful when asked for port 0). */
  readonly port: number;
  readonly url: string;
  /** Stops accepting connections, lets requests in flight finish within `timeoutMs`, then cuts the rest. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * How long an idle keep-alive connection stays open. Whoever closes an idle connection races a
 * request the other side may be sending on it at that moment; that request then fails with
 * "other side closed" or ECONNRESET, and a proxy turns it into a 502. So the server must close
 * last: later than the clients in front of it give up on an idle connection (load balancers
 * commonly after 60 s and ignore the `Keep-Alive` hint; undici-based clients after the hint's
 * timeout less 2 s), as load balancers' vendors advise (AWS: a target's keep-alive longer than
 * the balancer's 60 s idle time-out). Node's default is 5 s.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** A request's headers and whole body must arrive within this long (Slowloris guard). */
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Starts an HTTP server for the handler and resolves once it listens. `close` lets requests in
 * flight finish and drops each connection once its answer is sent. A request Node's parser
 * refuses before the handler sees it (headers over 16 KiB, a malformed request line, bad framing,
 * the request time-out) is answered as problem+json (431, 400, 408), and its connection closed.
 */
export async function startHttpServer(handler: RequestListener, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  let closing = false;
  const inFlight = new ResponsesInFlight();
  const server = createServer(
    { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS },
    function serveRequest(req, res) {
      // While closing, a connection is dropped as soon as its request is answered, rather than
      // kept idle for the keep-alive timeout that `close` would otherwise wait out.
      if (closing) res.setHeader('connection', 'close');
      inFlight.track(res);
      res.once('finish', () => {
        if (closing) setImmediate(() => server.closeIdleConnections());
      });
      handler(req, res);
    },
  );
  server.on('clientError', problemOnClientError((socket) => inFlight.answering(socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    server,
    port: bound,
    url: `http://${shownHost}:${bound}`,
    close: (timeoutMs = 10_000) =>
      new Promise<void>((resolve) => {
        closing = true;
        const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
