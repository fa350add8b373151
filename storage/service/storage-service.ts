import express, { type Express, type RequestHandler } from 'express';
import { notFoundHandler, problemHandler } from '../../gateway/errors/index.js';
import { httpMetrics, jsonBody, requestId, requestLog } from '../../gateway/middleware/index.js';
import { buildOpenApiDocument } from '../../gateway/openapi/index.js';
import { packageVersion } from '../../shared/package-version.js';
import { operationsRoutes, type ReadinessCheck } from '../../gateway/operations/index.js';
import { requestState } from '../../gateway/request-state.js';
import { mountRoutes } from '../../gateway/routing/index.js';
import { UnauthorizedError } from '../../shared/errors/index.js';
import { bearerToken } from '../../shared/http/bearer-token.js';
import type { Logger } from '../../shared/logger.js';
import type { HookgateMetrics } from '../../shared/metrics.js';
import { safeEqual } from '../../shared/security/key-hash.js';
import type { Storage } from '../ports/index.js';
import { storageRpcRoutes } from './storage-rpc-routes.js';

export interface StorageServiceOptions {
  storage: Storage;
  /** Bearer token the other tiers present (shared/security/internal-token.ts). */
  internalToken: string;
  logger: Logger;
  metrics: HookgateMetrics;
  /** Beyond the database: e.g. the results consumer's broker. */
  readinessChecks?: Record<string, ReadinessCheck>;
}

/** Port calls carry whole batches of records; far above the public API's body limit. */
const INTERNAL_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

function internalAuthenticator(internalToken: string): () => RequestHandler {
  return () =>
    function authenticateTier(req, res, next) {
      const token = bearerToken(req.get('authorization'));
      if (token === undefined || !safeEqual(token, internalToken)) throw new UnauthorizedError('Only hookgate tiers may call the storage service.');
      requestState(res).caller = { kind: 'operator' };
      next();
    };
}

/**
 * The storage tier's HTTP service (distributed mode): the internal storage API that the
 * gateway and processor call, plus /healthz, /readyz, /metrics and /openapi.json.
 */
export function createStorageServiceApp(options: StorageServiceOptions): Express {
  let document: Record<string, unknown> | undefined;
  const routes = [
    ...operationsRoutes({
      metrics: options.metrics,
      readinessChecks: { database: () => options.storage.ping(), ...options.readinessChecks },
      openApiDocument: () => document,
    }),
    ...storageRpcRoutes(options.storage),
  ];
  document = buildOpenApiDocument({ routes, version: packageVersion() });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId({ logger: options.logger }), requestLog(), httpMetrics({ metrics: options.metrics }));
  const router = express.Router({ strict: false, caseSensitive: true });
  mountRoutes(router, routes, {
    authenticator: internalAuthenticator(options.internalToken),
    jsonBody: jsonBody({ limitBytes: INTERNAL_BODY_LIMIT_BYTES }),
  });
  app.use(router);
  app.use(notFoundHandler());
  app.use(problemHandler());
  return app;
}
