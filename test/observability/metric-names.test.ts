import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppWithKey, eventually, type ApiClient } from '../support/api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/embedded-platform.js';
import { TestReceiver } from '../support/receiver.js';
import { allRules, dashboardQueries } from '../deploy/monitoring-files.js';
import { requireBinary } from '../deploy/required-binary.js';
import { readExposition, seriesNames, type Family } from './exposition.js';
import { selectorsIn, type Selector } from './promql-selectors.js';

/** Labels Prometheus attaches when it scrapes (target and Kubernetes labels): no tier exports them. */
const TARGET_LABELS = new Set(['namespace', 'pod', 'instance', 'job', 'service', 'container', 'endpoint']);
/** Small so that one app can run into it within the test. */
const API_RATE_LIMIT = 15;
/** prom-client's default Node.js gauges end in _total; promtool's lint says so, and we keep prom-client's names. */
const PROM_CLIENT_LINT = /^hookgate_nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

type Families = Map<string, Family>;

/** The sum of the series `name` (a histogram's: name_count, ...) over the samples that carry `labels`. */
function sampleValue(families: Families, name: string, labels: Record<string, string> = {}): number {
  const family = [...families.values()].find((candidate) => seriesNames(candidate).includes(name));
  if (!family) throw new Error(`${name} is not exported`);
  return family.samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
    .reduce((total, sample) => total + sample.value, 0);
}

/** How far a series moved from one scrape to the next. */
function movement(before: Families, after: Families): (name: string, labels?: Record<string, string>) => number {
  return (name, labels) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
}

describe('metrics used by the dashboard and the alert rules, after an end-to-end run', () => {
  let platform: TestPlatform;
  let healthy: TestReceiver;
  let failing: TestReceiver;
  let gone: TestReceiver;
  let shop: ApiClient;
  let text: string;
  /** The latest scrape. The tests run in order, as one scenario, each from where the last left off. */
  let families: Families;

  async function scrape(): Promise<Families> {
    text = await (await fetch(`${platform.platform.server.url}/metrics`)).text();
    return readExposition(text);
  }

  /** Scrapes until `moved` says the scenario's last counter moved. Polls /metrics, not the API, which is rate limited. */
  async function scrapeUntil(moved: (now: Families) => boolean): Promise<Families> {
    return eventually(async () => {
      const now = await scrape();
      return moved(now) ? now : undefined;
    });
  }

  async function publish(type: string, idempotencyKey?: string): Promise<void> {
    const published = await shop.post('/v1/events', { type, data: { n: 1 } }, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
    expect(published.status).toBe(202);
  }

  beforeAll(async () => {
    platform = await startTestPlatform({ HOOKGATE_API_RATE_LIMIT: String(API_RATE_LIMIT) });
    healthy = await new TestReceiver().start();
    failing = await new TestReceiver().start();
    failing.respond = () => ({ status: 500, body: 'down' });
    gone = await new TestReceiver().start();
    gone.respond = () => ({ status: 410, body: 'gone' });
    shop = (await createAppWithKey(platform.admin, 'shop')).client;
    for (const [receiver, events] of [[healthy, ['order.*']], [failing, ['invoice.*']], [gone, ['account.*']]] as const) {
      expect((await shop.post('/v1/subscriptions', { url: `${receiver.url}/hooks`, events })).status).toBe(201);
    }
    families = await scrape();
  });

  afterAll(async () => {
    await platform?.stop();
    await Promise.all([healthy, failing, gone].map((receiver) => receiver?.close()));
  });

  it('counts one succeeded delivery, and a repeated idempotency key as a duplicate', async () => {
    const before = families;
    await publish('order.paid', 'order-1');
    await publish('order.paid', 'order-1');
    const after = await scrapeUntil((now) => sampleValue(now, 'hookgate_publish_to_delivery_seconds_count') > sampleValue(before, 'hookgate_publish_to_delivery_seconds_count'));
    const moved = movement(before, after);
    expect(moved('hookgate_events_published_total', { outcome: 'accepted' })).toBe(1);
    expect(moved('hookgate_events_published_total', { outcome: 'duplicate' })).toBe(1);
    expect(moved('hookgate_delivery_attempts_total', { outcome: 'succeeded' })).toBe(1);
    expect(moved('hookgate_delivery_attempts_total', { outcome: 'failed' })).toBe(0);
    expect(moved('hookgate_delivery_attempt_duration_seconds_count', { outcome: 'succeeded' })).toBe(1);
    expect(moved('hookgate_publish_to_delivery_seconds_count')).toBe(1);
    families = after;
  });

  it('counts one dead delivery once: three failed attempts, three retries, one dead', async () => {
    const before = families;
    await publish('invoice.paid');
    const dead = (at: Families) => sampleValue(at, 'hookgate_delivery_attempts_total', { outcome: 'dead' });
    const after = await scrapeUntil((now) => dead(now) > dead(before));
    const moved = movement(before, after);
    expect(failing.requests).toHaveLength(4);
    expect(moved('hookgate_delivery_attempts_total', { outcome: 'dead' })).toBe(1);
    expect(moved('hookgate_delivery_attempts_total', { outcome: 'failed' })).toBe(3);
    expect(moved('hookgate_delivery_attempts_total', { outcome: 'succeeded' })).toBe(0);
    expect(moved('hookgate_delivery_retries_scheduled_total')).toBe(3);
    expect(moved('hookgate_publish_to_delivery_seconds_count')).toBe(0);
    families = after;
  });

  it('counts a 410 Gone as a dead delivery and a subscription disabled for that reason', async () => {
    const before = families;
    await publish('account.closed');
    const disabled = (at: Families) => sampleValue(at, 'hookgate_subscriptions_disabled_total');
    const after = await scrapeUntil((now) => disabled(now) > disabled(before));
    const moved = movement(before, after);
    expect(moved('hookgate_subscriptions_disabled_total', { reason: 'gone' })).toBe(1);
    expect(moved('hookgate_delivery_attempts_total', { outcome: 'dead' })).toBe(1);
    expect(moved('hookgate_delivery_retries_scheduled_total')).toBe(0);
    families = after;
  });

  it('counts a request refused by the rate limit, by its gateway route', async () => {
    const noisy = (await createAppWithKey(platform.admin, 'noisy')).client;
    const statuses: number[] = [];
    for (let request = 0; request <= API_RATE_LIMIT; request += 1) statuses.push((await noisy.get('/v1/subscriptions')).status);
    expect(statuses.filter((status) => status === 429)).toHaveLength(1);
    families = await scrape();
    // The limit runs as a plugin of the /v1 route, before any operation is chosen: the route's name labels it.
    expect(sampleValue(families, 'hookgate_rate_limited_requests_total', { route: 'platform-api' })).toBe(1);
    expect(sampleValue(families, 'hookgate_http_requests_total', { route: 'platform-api', method: 'GET', status: '429' })).toBe(1);
  });

  it('leaves nothing in flight once the work is done (the scrape is outside the metrics plugin), and no queue lagging', () => {
    expect(sampleValue(families, 'hookgate_delivery_attempts_in_flight')).toBe(0);
    expect(sampleValue(families, 'hookgate_http_requests_in_flight')).toBe(0);
    for (const queue of ['events', 'deliveries', 'merges', 'results']) {
      const lag = families.get('hookgate_queue_consumer_lag_seconds')?.samples.find((sample) => sample.labels.queue === queue);
      expect(lag?.value, queue).toBeLessThan(1);
    }
  });

  /** Every selector of every dashboard query and every rule. */
  function querySelectors(): Selector[] {
    return [...dashboardQueries(), ...allRules().map((rule) => rule.expr)].flatMap(selectorsIn);
  }

  it('exports every metric that a dashboard panel, a dashboard variable or a rule queries', () => {
    const exported = new Set([...families.values()].flatMap(seriesNames));
    const recorded = new Set(allRules().flatMap((rule) => (rule.record ? [rule.record] : [])));
    const names = new Set(querySelectors().map((selector) => selector.metric));
    // kube_* series come from kube-state-metrics, which watches the Deployments for the tier alerts.
    const missing = [...names].filter((name) => !exported.has(name) && !recorded.has(name) && !name.startsWith('kube_'));
    expect(missing).toEqual([]);
    expect(names.size).toBeGreaterThan(15);
  });

  it('exports every label value that a query matches exactly (e.g. outcome="dead")', () => {
    const exact = querySelectors().flatMap((selector) =>
      selector.matchers
        .filter((matcher) => matcher.op === '=' && !TARGET_LABELS.has(matcher.label))
        .map((matcher) => ({ series: selector.metric, label: matcher.label, value: matcher.value })),
    );
    const unseen = exact.filter(
      ({ series, label, value }) => ![...families.values()].some((family) => family.samples.some((sample) => sample.name === series && sample.labels[label] === value)),
    );
    expect(unseen).toEqual([]);
    expect(exact.length).toBeGreaterThan(5);
  });

  it('declares every family with help and a type, under the hookgate_ prefix', () => {
    expect(families.size).toBeGreaterThan(20);
    for (const family of families.values()) {
      expect(family.name).toMatch(/^hookgate_[a-z0-9_]+$/);
      expect(family.help, family.name).not.toBe('');
      expect(['counter', 'gauge', 'histogram', 'summary'], family.name).toContain(family.type);
    }
  });

  it("parses with Prometheus' own parser and passes its naming lint (promtool check metrics)", () => {
    const promtool = requireBinary('promtool', 'apt-get install -y prometheus (Debian), as .ci/run does');
    let problems = '';
    try {
      execFileSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string };
      problems = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
    }
    const ours = problems.split('\n').filter((line) => line.trim() !== '' && !PROM_CLIENT_LINT.test(line.trim()));
    expect(ours).toEqual([]);
  });
});
