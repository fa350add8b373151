import { z } from 'zod';
import { httpMetrics } from '../../middleware/http-metrics.js';
import { definePlugin } from '../plugin.js';

/**
 * Per-route RED metrics: `hookgate_http_requests_total{route,method,status}`,
 * `hookgate_http_request_duration_seconds{route,method}` and the requests in flight. The route
 * label is the route's name from the file (the `/v1` API labels by its operation's path
 * pattern), never a raw path, so the label set stays bounded.
 *
 * @example plugins: [{ name: metrics }]
 */
export const metricsPlugin = definePlugin({
  name: 'metrics',
  configSchema: z.strictObject({}),
  create: (_config, context) => httpMetrics({ metrics: context.metrics }),
});
