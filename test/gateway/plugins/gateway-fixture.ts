import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type RequestHandler } from 'express';
import { expect } from 'vitest';
import { loadGatewayConfig, type LoadGatewayConfigOptions } from '../../../gateway/config/index.js';
import { notFoundHandler, problemHandler } from '../../../gateway/errors/index.js';
import { buildGatewayPipeline, type PipelineContext } from '../../../gateway/pipeline/index.js';
import { requestState } from '../../../gateway/request-state.js';
import { startHttpServer } from '../../../shared/http/http-server.js';
import { createLogger } from '../../../shared/logger.js';
import { HookgateMetrics } from '../../../shared/metrics.js';
import { makeTempDir } from '../../support/temp-dir.js';

export const testLogger = createLogger(process.env.HOOKGATE_TEST_LOG_LEVEL ?? 'silent');

export function testContext(overrides: Partial<PipelineContext> = {}): PipelineContext {
  return { logger: testLogger, metrics: new HookgateMetrics('gateway'), ...overrides };
}

/** Writes YAML into a fresh temp dir; `path` is the config file. */
export function writeConfig(yaml: string): { path: string; dir: string; rewrite: (yaml: string) => void; remove: () => void } {
  const dir = makeTempDir('gateway-config');
  const path = join(dir.path, 'hookgate.yaml');
  writeFileSync(path, yaml);
  return { path, dir: dir.path, rewrite: (next) => writeFileSync(path, next), remove: dir.remove };
}

/** Answers requests that got past the gateway's routes (a route without a service): 200 with who the caller is. */
export const echoCaller: RequestHandler = function echoCaller(_req, res) {
  res.json({ route: requestState(res).route ?? null, caller: requestState(res).caller ?? null });
};

export interface RunningGateway {
  url: string;
  context: PipelineContext;
  close(): Promise<void>;
}

/** An Express app as the gateway will be: the pipeline, then `after`, then the 404 and problem handlers. */
export function gatewayApp(handler: RequestHandler, after: RequestHandler = echoCaller): express.Express {
  const app = express();
  app.use(handler, after, notFoundHandler());
  app.use(problemHandler());
  return app;
}

/** Serves the pipeline built from this YAML on a free loopback port. */
export async function startGatewayFromYaml(
  yaml: string,
  options: { context?: PipelineContext; load?: LoadGatewayConfigOptions; after?: RequestHandler } = {},
): Promise<RunningGateway> {
  const file = writeConfig(yaml);
  const context = options.context ?? testContext();
  const config = await loadGatewayConfig(file.path, options.load);
  const server = await startHttpServer(gatewayApp(buildGatewayPipeline(config, context), options.after), 0, '127.0.0.1');
  return {
    url: server.url,
    context,
    close: async () => {
      await server.close(1_000);
      file.remove();
    },
  };
}

export interface Upstream {
  url: string;
  port: number;
  /** Every request the upstream got: method, url and headers. */
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

/** A real HTTP server on loopback standing in for a platform service. */
export async function startUpstream(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
  const requests: Upstream['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port where nothing listens (bound, then released). */
export async function deadPort(): Promise<number> {
  const upstream = await startUpstream(() => {});
  await upstream.close();
  return upstream.port;
}

export async function expectProblemBody(response: Response, status: number, slug: string): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(body.type).toBe(`https://hookgate.dev/problems/${slug}`);
  expect(body.status).toBe(status);
  return body;
}
