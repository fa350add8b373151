import express, { type Express } from 'express';
import { notFoundHandler, problemHandler } from '../../gateway/errors/index.js';
import { httpMetrics, requestId, requestLog } from '../../gateway/middleware/index.js';
import { buildOpenApiDocument } from '../../gateway/openapi/index.js';
import { operationsRoutes, type ReadinessCheck } from '../../gateway/operations/index.js';
import { mountRoutes } from '../../gateway/routing/index.js';
import { createRabbitMqBroker } from '../../queue/adapters/rabbitmq/index.js';
import type { MessageBroker } from '../../queue/ports/message-broker.js';
import type { HookgateConfig } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logger.js';
import type { HookgateMetrics } from '../../shared/metrics.js';
import { packageVersion } from '../../shared/package-version.js';
import { deriveInternalToken } from '../../shared/security/internal-token.js';
import { createHttpStorage } from '../../storage/adapters/http/index.js';
import type { Storage } from '../../storage/ports/index.js';

/** The broker every distributed tier shares: RabbitMQ, connected (or UnavailableError). */
export async function connectBroker(config: HookgateConfig, logger: Logger): Promise<MessageBroker> {
  if (!config.amqpUrl) throw new ConfigError('HOOKGATE_AMQP_URL: required by the gateway, processor and storage tiers (distributed mode)');
  const broker = createRabbitMqBroker({ url: config.amqpUrl, prefix: config.amqpPrefix, logger: logger.child({ component: 'rabbitmq' }) });
  await broker.start();
  return broker;
}

/** The storage port as the gateway and processor reach it: the storage service over HTTP. */
export function storageService(config: HookgateConfig, encryptionKey: string): Storage {
  return createHttpStorage({ url: config.storageUrl, internalToken: deriveInternalToken(encryptionKey) });
}

/** A tier with no API of its own (the processor) still answers /healthz, /readyz, /metrics and /openapi.json. */
export function operationsApp(options: { metrics: HookgateMetrics; readinessChecks: Record<string, ReadinessCheck>; logger: Logger }): Express {
  let document: Record<string, unknown> | undefined;
  const routes = operationsRoutes({ metrics: options.metrics, readinessChecks: options.readinessChecks, openApiDocument: () => document });
  document = buildOpenApiDocument({ routes, version: packageVersion() });
  const app = express();
  app.disable('x-powered-by');
  app.use(requestId({ logger: options.logger }), requestLog(), httpMetrics({ metrics: options.metrics }));
  const router = express.Router({ strict: false, caseSensitive: true });
  mountRoutes(router, routes, {
    authenticator: () => (_req, _res, next) => next(),
    jsonBody: (_req, _res, next) => next(),
  });
  app.use(router, notFoundHandler(), problemHandler());
  return app;
}
