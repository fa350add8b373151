import express, { type Express, type RequestHandler } from 'express';
import type { HookgateConfig } from '../shared/config/index.js';
import type { Logger } from '../shared/logger.js';
import type { HookgateMetrics } from '../shared/metrics.js';
import type { KeyHasher } from '../shared/security/key-hash.js';
import type { SecretBox } from '../shared/security/secret-box.js';
import type { MessageBroker } from '../queue/ports/message-broker.js';
import type { Storage } from '../storage/ports/index.js';
import { notFoundHandler, problemHandler } from './errors/index.js';
import { jsonBody, requireCaller } from './middleware/index.js';
import { buildOpenApiDocument } from './openapi/index.js';
import type { EventOutbox } from './outbox/index.js';
import { createReloadableGateway, type ReloadableGateway } from './pipeline/index.js';
import type { RedisCommands } from '../shared/redis/redis-commands.js';
import { createAuthFailureLimiter } from './plugins/rate-limit/auth-failure-limiter.js';
import { packageVersion } from '../shared/package-version.js';
import { operationsRoutes } from './operations/index.js';
import { requestState } from './request-state.js';
import { mountRoutes } from './routing/index.js';
import {
  withApiKeyCache,
  createDeliveryRetrier,
  createEventPublisher,
  createSubscriptionReplayer,
  createSubscriptionSecrets,
  type EventPublisher,
} from './services/index.js';
import { createTenantResolver, v1Routes } from './v1/index.js';

export interface GatewayOptions {
  config: HookgateConfig;
  storage: Storage;
  broker: MessageBroker;
  secretBox: SecretBox;
  keyHasher: KeyHasher;
  /** Verifies the operator's bearer token (constant time); the caller decides where its hash lives. */
  isAdminToken: (token: string) => boolean;
  logger: Logger;
  metrics: HookgateMetrics;
  /** Extra readiness checks of this process (e.g. processor consumers running). */
  readinessChecks?: Record<string, () => Promise<boolean>>;
  /** Shared rate-limit counters (`HOOKGATE_REDIS_URL`); the `/v1` default limit counts there too. */
  redis?: RedisCommands;
  /** Where `emit-event` writes; without one, a config using `emit-event` is refused. */
  outbox?: EventOutbox;
}

export interface GatewayApp {
  app: Express;
  /** The routes and plugins in force; `reload()` applies the config file again. */
  gateway: ReloadableGateway;
  /** Publishes as `POST /v1/events` does (the outbox relay publishes through it). */
  publisher: EventPublisher;
}

/** Every request starts with the gateway's logger; the request-id plugin replaces it with one bound to the id. */
function baseLogger(logger: Logger): RequestHandler {
  return function useGatewayLogger(_req, res, next) {
    requestState(res).logger = logger;
    next();
  };
}

/**
 * The gateway: /healthz, /readyz, /metrics and /openapi.json, then the routes of the config
 * file (`HOOKGATE_CONFIG`) each through its plugins to its upstream service, and the platform's
 * own `/v1` API (API.md) as one more route of the same pipeline: by default request-id, metrics,
 * key-auth (app keys and the operator's token) and the default rate limit, or whatever plugins
 * the file gives the route with `service: hookgate`. Every error is answered as problem+json.
 * Failed authentications on any route share one budget per client address
 * (`HOOKGATE_AUTH_FAILURE_LIMIT`), the address following `HOOKGATE_TRUST_PROXY`.
 *
 * @example
 * const { app, gateway } = await createGatewayApp({ config, storage, broker, secretBox, keyHasher, isAdminToken, logger, metrics });
 * const server = await startHttpServer(app, config.port, config.host);
 * reloadOnSignal(gateway);
 */
export async function createGatewayApp(options: GatewayOptions): Promise<GatewayApp> {
  const { config, broker, metrics, logger } = options;
  const storage = withApiKeyCache(options.storage);
  const publisher = createEventPublisher({ events: storage.events, broker, metrics, idempotencyWindowMs: config.idempotencyWindowMs });

  const v1 = v1Routes({
    config,
    storage,
    keyHasher: options.keyHasher,
    tenants: createTenantResolver(storage.apps),
    publisher,
    retrier: createDeliveryRetrier({ storage, broker }),
    replayer: createSubscriptionReplayer({ storage, broker }),
    secrets: createSubscriptionSecrets({
      subscriptions: storage.subscriptions,
      secretBox: options.secretBox,
      rotationGraceMs: config.secretRotationGraceMs,
    }),
  });
  let document: Record<string, unknown> | undefined;
  const operations = operationsRoutes({
    metrics,
    readinessChecks: { storage: () => storage.ping(), broker: () => broker.ping(), ...options.readinessChecks },
    openApiDocument: () => document,
  });
  document = buildOpenApiDocument({ routes: [...operations, ...v1], version: packageVersion() });

  const routerOptions = { strict: false, caseSensitive: true };
  const operationsRouter = express.Router(routerOptions);
  mountRoutes(operationsRouter, operations, { authenticator: requireCaller, jsonBody: (_req, _res, next) => next() });
  const platformApi = express.Router(routerOptions);
  mountRoutes(platformApi, v1, { authenticator: requireCaller, jsonBody: jsonBody({ limitBytes: config.maxBodyBytes }) });

  // One budget per client address for every authenticating plugin, kept across config reloads.
  const authFailures = createAuthFailureLimiter({
    ...config.authFailureLimit,
    logger,
    metrics,
    ...(options.redis !== undefined ? { redis: options.redis } : {}),
  });
  const gateway = await createReloadableGateway(config.gatewayConfigPath, {
    platformRoute: { rateLimit: config.apiRateLimit, sharedRateLimit: options.redis !== undefined },
    context: {
      logger,
      metrics,
      storage,
      broker,
      keyHasher: options.keyHasher,
      isAdminToken: options.isAdminToken,
      platformApi,
      authFailures,
      ...(options.redis !== undefined ? { redis: options.redis } : {}),
      ...(options.outbox !== undefined ? { outbox: options.outbox } : {}),
    },
  });

  const app = express();
  app.disable('x-powered-by');
  // `req.ip`, which per-address limits count by, is the connection's address unless the operator names the proxies in front.
  app.set('trust proxy', config.trustProxy === false || typeof config.trustProxy === 'number' ? config.trustProxy : [...config.trustProxy]);
  app.set('etag', false);
  app.use(baseLogger(logger), operationsRouter, gateway.handler, notFoundHandler());
  app.use(problemHandler());
  return { app, gateway, publisher };
}
