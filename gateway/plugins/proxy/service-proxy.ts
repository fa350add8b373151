import { Agent as HttpAgent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { NextFunction, Request, Response } from 'express';
import { createProxyMiddleware, type Plugin as ProxyServerPlugin, type RequestHandler as ProxyHandler } from 'http-proxy-middleware';
import type { HookgateMetrics } from '../../../shared/metrics.js';
import { REQUEST_ID_HEADER } from '../../middleware/request-id.js';
import { requestState } from '../../request-state.js';
import { UpstreamTimeout, upstreamError } from './upstream-errors.js';

/** A service as the config file declares it. */
export interface ServiceTarget {
  /** The service's name in the config file, for messages and metrics. */
  name: string;
  /** The upstream's base URL; its path is prefixed to every proxied path. */
  url: string;
  /** Longest wait for a new TCP connection to the upstream (504 after). */
  connectTimeoutMs: number;
  /** Longest the upstream may stay silent once connected, before or during its answer (504 after). */
  timeoutMs: number;
}

/** Proxies one request to the service, to `path` (already stripped and rewritten by the route). */
export type ServiceProxy = ((req: Request, res: Response, next: NextFunction, path: string) => void) & {
  /** Stops keeping upstream connections: idle ones close now, busy ones once their request is done. */
  retire(): void;
};

/** Time-outs that http-proxy lacks: connecting, and silence once connected. Both destroy the upstream request. */
function armTimeouts(proxyReq: ClientRequest, target: ServiceTarget): void {
  proxyReq.setTimeout(target.timeoutMs, () => proxyReq.destroy(new UpstreamTimeout('response', target.timeoutMs)));
  proxyReq.once('socket', (socket) => {
    // A kept-alive socket is already connected; only a new one can hang in connect.
    if (!socket.connecting) return;
    const timer = setTimeout(() => proxyReq.destroy(new UpstreamTimeout('connect', target.connectTimeoutMs)), target.connectTimeoutMs);
    const clear = () => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('close', clear);
  });
}

/**
 * One http-proxy-middleware instance for a service, shared by every route and every reload
 * that proxies to it unchanged (each instance hooks the HTTP server's `close` event once, so an
 * instance per reload would pile up listeners) and keeping its upstream connections alive. Streams both bodies; sends `X-Forwarded-*` and
 * the request id upstream; reports failures to the request's `next` as 502/504 HookgateErrors,
 * or, once the answer has started, cuts the client off so a truncated body is never taken for a
 * whole one.
 */
export function createServiceProxy(target: ServiceTarget, metrics: HookgateMetrics): ServiceProxy {
  // http-proxy reports by event, without Express's `next` or the route's path; these carry them over.
  const pending = new WeakMap<Request, { next: NextFunction; path: string; proxyReq?: ClientRequest }>();

  const fail = (error: Error, req: Request) => {
    const entry = pending.get(req);
    if (entry === undefined) return;
    pending.delete(req);
    entry.proxyReq?.destroy();
    const { error: answer, failure } = upstreamError(error, target.name);
    if (failure !== undefined) metrics.proxyUpstreamErrors.inc({ service: target.name, reason: failure });
    entry.next(answer);
  };

  const wireEvents: ProxyServerPlugin<Request, Response> = (proxyServer) => {
    proxyServer.on('proxyReq', (proxyReq, req, res) => {
      const entry = pending.get(req);
      if (entry !== undefined) entry.proxyReq = proxyReq;
      const requestId = requestState(res).requestId;
      if (requestId !== undefined) proxyReq.setHeader(REQUEST_ID_HEADER, requestId);
      armTimeouts(proxyReq, target);
    });
    proxyServer.on('proxyRes', (proxyRes, req, res) => {
      pending.delete(req);
      // An upstream that dies mid-answer: cut the client off rather than end a truncated body cleanly.
      proxyRes.once('close', () => {
        if (!proxyRes.complete) res.destroy();
      });
    });
    // Also what a body-limit error on the request arrives as (http-proxy listens on the request too).
    proxyServer.on('error', (error, req) => fail(error, req));
  };

  // Without an agent http-proxy asks for `connection: close`: a TCP connection per request, and the client's closed too.
  const agentOptions = { keepAlive: true, maxFreeSockets: 64, scheduling: 'lifo' as const };
  const agent = new URL(target.url).protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const proxy: ProxyHandler<Request, Response> = createProxyMiddleware<Request, Response>({
    target: target.url,
    agent,
    changeOrigin: true,
    xfwd: true,
    pathRewrite: (_path, req) => pending.get(req)?.path,
    // Our own event wiring instead of the default plugins, which answer errors as text/plain.
    ejectPlugins: true,
    plugins: [wireEvents],
  });

  const serve = (req: Request, res: Response, next: NextFunction, path: string) => {
    pending.set(req, { next, path });
    void proxy(req, res, next);
  };
  return Object.assign(serve, {
    retire() {
      // Requests of an older pipeline may still use the agent: it keeps no socket it gets back.
      agent.maxFreeSockets = 0;
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    },
  });
}

/**
 * The service proxies of a gateway across reloads: a reload whose service is unchanged reuses
 * its proxy; one that changed or went away is dropped from here (requests still in flight
 * through an older pipeline keep the proxy they hold).
 */
export class ServiceProxies {
  readonly #proxies = new Map<string, ServiceProxy>();

  constructor(private readonly metrics: HookgateMetrics) {}

  get(target: ServiceTarget): ServiceProxy {
    const key = JSON.stringify(target);
    let proxy = this.#proxies.get(key);
    if (proxy === undefined) {
      proxy = createServiceProxy(target, this.metrics);
      this.#proxies.set(key, proxy);
    }
    return proxy;
  }

  /** Forgets every proxy but those of these services, after a reload swapped them in. */
  keepOnly(targets: readonly ServiceTarget[]): void {
    const kept = new Set(targets.map((target) => JSON.stringify(target)));
    for (const [key, proxy] of this.#proxies) {
      if (kept.has(key)) continue;
      proxy.retire();
      this.#proxies.delete(key);
    }
  }
}
