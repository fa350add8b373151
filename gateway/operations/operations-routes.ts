import { UnavailableError } from '../../shared/errors/index.js';
import type { HookgateMetrics } from '../../shared/metrics.js';
import { defineRoute, named, type AnyRouteSpec } from '../routing/index.js';
import { healthSchema, openApiDocumentSchema, readinessSchema } from './operations-schemas.js';
import { checkReadiness, type ReadinessCheck } from './readiness.js';

export interface OperationsRoutesOptions {
  metrics: HookgateMetrics;
  readinessChecks: Record<string, ReadinessCheck>;
  /** How long one readiness check may take before it counts as failed. */
  readinessTimeoutMs?: number;
  /** The OpenAPI document (built from every route, this one included). */
  openApiDocument: () => unknown;
}

/** The unversioned routes every tier serves: /healthz, /readyz, /metrics, /openapi.json. */
export function operationsRoutes(options: OperationsRoutesOptions): AnyRouteSpec[] {
  const timeoutMs = options.readinessTimeoutMs ?? 2_000;
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      summary: 'Liveness: the process answers',
      tag: 'Operations',
      access: 'public',
      responses: { 200: { description: 'Alive', schema: named('Health', healthSchema) } },
      async handle() {
        return { status: 200, body: { status: 'ok' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      summary: 'Readiness: storage, broker and every other dependency answer',
      tag: 'Operations',
      access: 'public',
      responses: { 200: { description: 'Ready', schema: named('Readiness', readinessSchema) } },
      problems: [503],
      async handle() {
        const report = await checkReadiness(options.readinessChecks, timeoutMs);
        if (!report.ready) throw new UnavailableError(`Not ready: ${report.failed.join(', ')} failed.`);
        return { status: 200, body: { status: 'ready', checks: report.checks } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format)',
      tag: 'Operations',
      access: 'public',
      responses: { 200: { description: 'Metrics, names prefixed hookgate_', contentType: options.metrics.registry.contentType } },
      async handle() {
        return { status: 200, body: await options.metrics.registry.metrics() };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApiDocument',
      summary: 'This document',
      tag: 'Operations',
      access: 'public',
      responses: { 200: { description: 'The OpenAPI 3.1 document of this API', schema: named('OpenApiDocument', openApiDocumentSchema) } },
      async handle() {
        return { status: 200, body: options.openApiDocument() };
      },
    }),
  ];
}
