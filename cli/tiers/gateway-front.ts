import { createGatewayApp, type GatewayOptions } from '../../gateway/index.js';
import { createOutboxRelay, createSqliteOutbox, defaultOutboxFile } from '../../gateway/outbox/index.js';
import { reloadOnFileChange, reloadOnSignal } from '../../gateway/pipeline/index.js';
import { createRedisConnection } from '../../shared/redis/redis-connection.js';
import { startHttpServer, type RunningServer } from '../../shared/http/http-server.js';

export interface GatewayFront {
  server: RunningServer;
  /** Stops taking requests, finishes those in hand, then the outbox relay (what it holds stays for the next start), Redis. */
  stop(): Promise<void>;
}

/**
 * The gateway as a process runs it, in both modes: the app with its config file, the
 * `emit-event` outbox (`<data dir>/gateway-outbox.sqlite`) and the relay that publishes from it,
 * Redis when `HOOKGATE_REDIS_URL` is set, reloads on SIGHUP (and on file change with
 * `HOOKGATE_CONFIG_WATCH`), and the HTTP server on `HOOKGATE_PORT`.
 */
export async function startGatewayFront(options: Omit<GatewayOptions, 'redis' | 'outbox'>): Promise<GatewayFront> {
  const { config, logger, metrics } = options;
  const outbox = createSqliteOutbox({ file: defaultOutboxFile(config.dataDir) });
  await outbox.start();
  const redis = config.redisUrl === undefined ? undefined : createRedisConnection({ url: config.redisUrl, logger });
  const { app, gateway, publisher } = await createGatewayApp({ ...options, outbox, ...(redis !== undefined ? { redis: redis.commands } : {}) });
  const relay = createOutboxRelay({ outbox, publisher, logger, metrics });
  await relay.start();
  const stopReloading = [reloadOnSignal(gateway)];
  if (config.gatewayConfigWatch && config.gatewayConfigPath !== undefined) stopReloading.push(reloadOnFileChange(gateway, config.gatewayConfigPath));
  const server = await startHttpServer(app, config.port, config.host);
  logger.info({ config: gateway.config().file, routes: gateway.config().routes.map((route) => route.name) }, 'gateway routes loaded');
  return {
    server,
    async stop() {
      for (const stop of stopReloading) stop();
      await server.close(config.shutdownTimeoutMs);
      await relay.stop();
      await outbox.close();
      await redis?.close();
    },
  };
}
