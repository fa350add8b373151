import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Queues to report on, and how to read one figure of a queue from the broker (`undefined`: not known here). */
interface QueueReading {
  queues: readonly string[];
  read: (queue: string) => Promise<number | undefined>;
}

/**
 * Sets the gauge per queue from the broker at scrape time; a queue that cannot be read, or
 * whose figure this process does not know, is left out rather than shown stale.
 */
async function collectPerQueue(gauge: Gauge<'queue'>, source: QueueReading | undefined): Promise<void> {
  if (!source) return;
  for (const queue of source.queues) {
    let value: number | undefined;
    try {
      value = await source.read(queue);
    } catch {
      value = undefined;
    }
    if (value === undefined) gauge.remove({ queue });
    else gauge.set({ queue }, value);
  }
}

/**
 * Every metric hookgate exports, in one place so names stay unique and follow Prometheus
 * conventions (`hookgate_` prefix, base units, `_total` counters). Labels carry bounded values
 * only: never ids or URLs.
 */
export class HookgateMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpRequestDuration: Histogram<'route' | 'method'>;
  readonly eventsPublished: Counter<'outcome'>;
  readonly deliveries: Counter<'outcome'>;
  readonly attemptDuration: Histogram<'outcome'>;
  readonly publishToDeliveryLatency: Histogram;
  readonly retriesScheduled: Counter;
  readonly subscriptionsDisabled: Counter<'reason'>;
  readonly queueDepth: Gauge<'queue'>;
  readonly queueConsumerLag: Gauge<'queue'>;
  readonly rateLimited: Counter<'route'>;
  readonly gatewayConfigReloads: Counter<'outcome'>;
  readonly httpRequestsInFlight: Gauge;
  readonly deliveryAttemptsInFlight: Gauge;
  readonly proxyUpstreamErrors: Counter<'service' | 'reason'>;
  #queueDepthSource: QueueReading | undefined;
  #consumerLagSource: QueueReading | undefined;

  constructor(tier: string, registry = new Registry()) {
    this.registry = registry;
    registry.setDefaultLabels({ tier });
    collectDefaultMetrics({ register: registry, prefix: 'hookgate_' });
    const registers = [registry];
    this.httpRequests = new Counter({
      name: 'hookgate_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.httpRequestDuration = new Histogram({
      name: 'hookgate_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.httpRequestsInFlight = new Gauge({
      name: 'hookgate_http_requests_in_flight',
      help: 'HTTP requests received and not yet answered.',
      registers,
    });
    // No event-type label: types are chosen by tenants, so the label set would be unbounded.
    this.eventsPublished = new Counter({
      name: 'hookgate_events_published_total',
      help: 'Events accepted for delivery, by outcome (accepted, duplicate, unavailable).',
      labelNames: ['outcome'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'hookgate_delivery_attempts_total',
      help: 'Delivery attempts, by outcome: succeeded, failed (will retry), dead (gave up).',
      labelNames: ['outcome'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'hookgate_delivery_attempt_duration_seconds',
      help: 'Time of one delivery attempt, request to response.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    });
    this.deliveryAttemptsInFlight = new Gauge({
      name: 'hookgate_delivery_attempts_in_flight',
      help: 'Webhook requests sent and not yet answered; at most HOOKGATE_DELIVERY_CONCURRENCY per processor.',
      registers,
    });
    this.publishToDeliveryLatency = new Histogram({
      name: 'hookgate_publish_to_delivery_seconds',
      help: 'Time from an event being accepted to its successful delivery.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200],
      registers,
    });
    this.retriesScheduled = new Counter({
      name: 'hookgate_delivery_retries_scheduled_total',
      help: 'Failed attempts for which another attempt was scheduled.',
      registers,
    });
    this.subscriptionsDisabled = new Counter({
      name: 'hookgate_subscriptions_disabled_total',
      help: 'Subscriptions disabled by the platform, by reason: gone (the endpoint answered 410 Gone), unhealthy (HOOKGATE_DISABLE_AFTER_DEAD dead deliveries in a row), failing (no successful delivery for HOOKGATE_DISABLE_AFTER_FAILING).',
      labelNames: ['reason'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'hookgate_queue_depth_messages',
      help: 'Messages waiting in a queue, ready or delayed.',
      labelNames: ['queue'],
      registers,
      // Read from the broker when Prometheus scrapes, so the figure is never stale.
      collect: () => collectPerQueue(this.queueDepth, this.#queueDepthSource),
    });
    this.queueConsumerLag = new Gauge({
      name: 'hookgate_queue_consumer_lag_seconds',
      // What RabbitMQ allows without taking a message: queue/adapters/rabbitmq/consumer-lag.ts.
      help: [
        'Seconds the oldest due message of a queue has waited for a consumer; 0 when none waits.',
        'Embedded queue: exact. RabbitMQ, while ready messages wait: the age of the position of the consumers in this process',
        '(since the latest-due message they took became due), or with no consumer on the queue, how long this process has seen it unconsumed;',
        'absent where neither applies. Aggregate with max.',
      ].join(' '),
      labelNames: ['queue'],
      registers,
      collect: () => collectPerQueue(this.queueConsumerLag, this.#consumerLagSource),
    });
    this.gatewayConfigReloads = new Counter({
      name: 'hookgate_gateway_config_reloads_total',
      help: 'Reloads of the gateway config file, by outcome: applied, or rejected (invalid; the running config was kept).',
      labelNames: ['outcome'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'hookgate_rate_limited_requests_total',
      help: 'Requests refused with 429 by a rate limit, by route.',
      labelNames: ['route'],
      registers,
    });
    this.proxyUpstreamErrors = new Counter({
      name: 'hookgate_proxy_upstream_errors_total',
      help: 'Proxied requests that got no answer from their upstream, by service name (from hookgate.yaml) and reason (timeout, connect, reset, other).',
      labelNames: ['service', 'reason'],
      registers,
    });
  }

  /** Report the depth of these queues, read through `read` at each scrape. */
  observeQueueDepth<Q extends string>(queues: readonly Q[], read: (queue: Q) => Promise<number>): void {
    this.#queueDepthSource = { queues, read: read as QueueReading['read'] };
  }

  /** Report the consumer lag of these queues in seconds, read through `read` at each scrape; `undefined` leaves a queue out. */
  observeConsumerLag<Q extends string>(queues: readonly Q[], read: (queue: Q) => Promise<number | undefined>): void {
    this.#consumerLagSource = { queues, read: read as QueueReading['read'] };
  }
}
