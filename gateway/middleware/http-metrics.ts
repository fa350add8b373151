import type { RequestHandler } from 'express';
import type { HookgateMetrics } from '../../shared/metrics.js';
import { requestState } from '../request-state.js';

export interface HttpMetricsOptions {
  metrics: HookgateMetrics;
}

/** Label for requests that matched no route, so scanners cannot blow up the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts every answered request and its duration by route pattern, method and status, and
 * the requests in flight (the gateway's saturation).
 * The route label comes from the matched route's pattern (set by the router), never the raw path.
 */
export function httpMetrics(options: HttpMetricsOptions): RequestHandler {
  const { httpRequests, httpRequestDuration, httpRequestsInFlight } = options.metrics;
  return function measureRequest(req, res, next) {
    const stopTimer = httpRequestDuration.startTimer();
    httpRequestsInFlight.inc();
    // 'close' comes after 'finish', and alone when the client leaves before the answer.
    res.once('close', () => httpRequestsInFlight.dec());
    res.once('finish', () => {
      const route = requestState(res).route ?? UNMATCHED_ROUTE;
      const method = req.method;
      httpRequests.inc({ route, method, status: String(res.statusCode) });
      stopTimer({ route, method });
    });
    next();
  };
}
