import express, { type Express } from 'express';
import type { HookgateConfig } from '../shared/config/index.js';
import type { Logger } from '../shared/logger.js';
import type { HookgateMetrics } from '../shared/metrics.js';
import type { KeyHasher } from '../shared/security/key-hash.js';
import type { SecretBox } from '../shared/security/secret-box.js';
import type { MessageBroker } from '../queue/ports/message-broker.js';
import type { Storage } from '../storage/ports/index.js';
import { notFoundHandler, problemHandler } from './errors/index.js';
import { apiRateLimit, createAuthenticator, httpMetrics, jsonBody, requestId, requestLog } from './middleware/index.js';
import { buildOpenApiDocument } from './openapi/index.js';
import { packageVersion } from '../shared/package-version.js';
import { operationsRoutes } from './operations/index.js';
import { mountRoutes } from './routing/index.js';
import {
  withApiKeyCache,
  createDeliveryRetrier,
  createEventPublisher,
  createSubscriptionReplayer,
  createSubscriptionSecrets,
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
}

/**
 * The gateway's Express app: the /v1 API of API.md (apps, keys, subscriptions, events,
 * deliveries, replays) behind bearer authentication and the default rate limit, plus
 * /healthz, /readyz, /metrics and /openapi.json. Every error is answered as problem+json.
 *
 * @example
 * const app = createGatewayApp({ config, storage, broker, secretBox, keyHasher, isAdminToken, logger, metrics });
 * const server = await startHttpServer(app, config.port, config.host);
 */
export function createGatewayApp(options: GatewayOptions): Express {
  const { config, broker, metrics, logger } = options;
  const storage = withApiKeyCache(options.storage);

  const v1 = v1Routes({
    config,
    storage,
    keyHasher: options.keyHasher,
    tenants: createTenantResolver(storage.apps),
    publisher: createEventPublisher({ events: storage.events, broker, metrics, idempotencyWindowMs: config.idempotencyWindowMs }),
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
  const routes = [...operations, ...v1];
  document = buildOpenApiDocument({ routes, version: packageVersion() });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId({ logger }), requestLog(), httpMetrics({ metrics }));
  const router = express.Router({ strict: false, caseSensitive: true });
  mountRoutes(router, routes, {
    authenticator: createAuthenticator({ apiKeys: storage.apiKeys, keyHasher: options.keyHasher, isAdminToken: options.isAdminToken }),
    rateLimit: apiRateLimit({ ...config.apiRateLimit, metrics, logger }),
    jsonBody: jsonBody({ limitBytes: config.maxBodyBytes }),
  });
  app.use(router);
  app.use(notFoundHandler());
  app.use(problemHandler());
  return app;
}
