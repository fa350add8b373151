import { writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { request } from 'undici';
import { createGatewayApp } from '../gateway/index.js';
import { createEmbeddedBroker } from '../queue/adapters/embedded/index.js';
import { loadConfig } from '../shared/config/index.js';
import { startHttpServer, type RunningServer } from '../shared/http/http-server.js';
import { createLogger } from '../shared/logger.js';
import { HookgateMetrics } from '../shared/metrics.js';
import { KeyHasher, safeEqual } from '../shared/security/key-hash.js';
import { SecretBox } from '../shared/security/secret-box.js';
import { createSqliteStorage } from '../storage/adapters/sqlite/index.js';
import { makeTempDir } from '../test/support/temp-dir.js';

/**
 * The floor a Node proxy can reach: node:http piping each request to the upstream and the
 * answer back, over a keep-alive agent, with nothing else.
 */
export async function startBareProxy(upstream: string): Promise<RunningServer> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return startHttpServer(function proxyBare(req, res) {
    const outgoing = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    outgoing.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(outgoing);
  }, 0, '127.0.0.1');
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** The gateway file: one route to the upstream behind key-auth and a limit that never refuses. */
function gatewayFile(upstream: string): string {
  return `services:
  upstream:
    url: ${upstream}
plugins:
  - name: request-id
  - name: metrics
routes:
  - name: bench
    service: upstream
    methods: [GET]
    paths: [/orders]
    plugins:
      - name: key-auth
      - name: rate-limit
        config:
          limit: 1000000000
          windowMs: 60000
          by: app
          store: local
`;
}

async function postAsOperator(base: string, path: string, body: unknown): Promise<any> {
  const response = await request(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = await response.body.json();
  if (response.statusCode !== 201) throw new Error(`${path}: ${response.statusCode} ${JSON.stringify(parsed)}`);
  return parsed;
}

export interface BenchGateway {
  /** The route's URL on the gateway. */
  url: string;
  /** An API key of the one app, for `Authorization: Bearer`. */
  key: string;
  stop(): Promise<void>;
}

/**
 * The gateway as `hookgate gateway` builds it (SQLite storage, embedded broker, silent logger) on
 * a fresh data dir, with the config file above, and one app with a key made through `/v1`.
 */
export async function startBenchGateway(upstream: string): Promise<BenchGateway> {
  const dir = makeTempDir('bench-gateway');
  const configFile = join(dir.path, 'hookgate.yaml');
  writeFileSync(configFile, gatewayFile(upstream));
  const config = loadConfig({
    HOOKGATE_DATA_DIR: dir.path,
    HOOKGATE_CONFIG: configFile,
    HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    HOOKGATE_LOG_LEVEL: 'silent',
  });
  const logger = createLogger('silent');
  const storage = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite'), logger });
  await storage.start();
  const broker = createEmbeddedBroker({ file: join(dir.path, 'queue.sqlite'), logger });
  await broker.start();
  const encryptionKey = SecretBox.generateKey();
  const { app } = await createGatewayApp({
    config,
    storage,
    broker,
    secretBox: new SecretBox(encryptionKey),
    keyHasher: new KeyHasher(encryptionKey),
    isAdminToken: (token) => safeEqual(token, ADMIN_TOKEN),
    logger,
    metrics: new HookgateMetrics('gateway'),
  });
  const server = await startHttpServer(app, 0, '127.0.0.1');
  const created = await postAsOperator(server.url, '/v1/apps', { name: 'bench' });
  const { key } = await postAsOperator(server.url, `/v1/apps/${created.id}/keys`, {});
  return {
    url: `${server.url}/orders/7`,
    key,
    async stop() {
      await server.close(1_000);
      await broker.close();
      await storage.close();
      dir.remove();
    },
  };
}
