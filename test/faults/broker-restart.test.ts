import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppWithKey, type ApiClient } from '../support/api-client.js';
import { stopTestMongo } from '../support/congodb.js';
import { startDistributedPlatform, type DistributedPlatform } from '../support/distributed-platform.js';
import { reportingFailures } from '../support/failure-report.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Stops and starts the machine's RabbitMQ, so it runs on its own after every other test
 * (vitest.broker-faults.config.ts; `npm test` runs it last). With `HOOKGATE_TEST_RABBITMQ_NODE`
 * (e.g. `hgfault@localhost`) and `HOOKGATE_TEST_AMQP_URL` naming a private node, it stops and
 * starts that node instead and leaves the machine's alone.
 */
const run = promisify(execFile);
const rabbitmqNode = process.env.HOOKGATE_TEST_RABBITMQ_NODE;
const rabbitmqctl = (command: 'stop_app' | 'start_app' | 'await_startup') =>
  run('rabbitmqctl', [...(rabbitmqNode ? ['-n', rabbitmqNode] : []), command], { timeout: 60_000 });
const EVENTS = 2_000;

/**
 * A GET is safe to repeat on a connection that failed before any answer (RFC 9110 §9.2.2).
 * The `other side closed` once seen here was the gateway closing an idle keep-alive connection
 * (after 5 s then, 65 s now) just as this stalled process reused it; each failure is printed
 * (reportingFailures), so a repeat that was needed still shows.
 */
async function readAgain<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt === 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function allPages(client: ApiClient, path: string): Promise<{ eventId: string; attemptCount: number }[]> {
  const rows: { eventId: string; attemptCount: number }[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { data: { eventId: string; attemptCount: number }[]; nextCursor: string | null } } = await readAgain(() =>
      client.get(`${path}&limit=250${cursor ? `&cursor=${cursor}` : ''}`),
    );
    rows.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return rows;
}

describe('fault: distributed mode through a processor crash and a RabbitMQ restart', () => {
  let platform: DistributedPlatform | undefined;
  let receiver: TestReceiver | undefined;
  afterAll(async () => {
    await rabbitmqctl('start_app').catch(() => undefined);
    await platform?.stop();
    await receiver?.close();
    await stopTestMongo();
  });

  it('delivers every acknowledged event at least once and stores its attempts', { timeout: 300_000 }, async () => {
    platform = await startDistributedPlatform({ processors: 1 });
    receiver = await new TestReceiver().start();
    receiver.respond = () => ({ status: 200, delayMs: 2 });
    const created = await createAppWithKey(platform.admin, 'faults');
    const client = reportingFailures(created.client, () => platform!.gateway.output());
    expect((await client.post('/v1/subscriptions', { url: receiver.url, events: ['#'] })).status).toBe(201);

    const acknowledged: string[] = [];
    for (let batch = 0; batch < EVENTS / 100; batch++) {
      const published = await client.post('/v1/events:batch', { events: Array.from({ length: 100 }, (_, n) => ({ type: 'load.tick', data: { n } })) });
      expect(published.status).toBe(202);
      acknowledged.push(...published.body.data.map((event: { id: string }) => event.id));
    }
    expect(receiver.requests.length).toBeLessThan(EVENTS);

    await platform.killAndRestartProcessor(0);

    let refusedWhileDown = 0;
    let unanswered = 0;
    let stopped = false;
    const publishing = (async () => {
      for (let n = 0; n < 400 || stopped; n++) {
        // A request the gateway never answered (its connection closed) was not acknowledged either.
        const answer = await client.post('/v1/events', { type: 'during.restart', data: { n } }).catch(() => undefined);
        if (answer === undefined) unanswered += 1;
        else if (answer.status === 202) acknowledged.push(answer.body.id);
        else {
          expect(answer.status).toBe(503);
          expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          refusedWhileDown += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    stopped = true;
    await rabbitmqctl('stop_app');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await rabbitmqctl('start_app');
    await rabbitmqctl('await_startup');
    stopped = false;
    await publishing;

    // Built once per look, not once per event: rebuilt per event it stalled this process (which
    // also serves the test MongoDB) for about 2 s, long enough to lose the keep-alive race above.
    const received = () => new Set(receiver!.requests.map((request) => JSON.parse(request.body).id as string));
    const notReceived = () => {
      const seen = received();
      return acknowledged.filter((id) => !seen.has(id));
    };
    const deadline = Date.now() + 180_000;
    while (notReceived().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
    const missing = notReceived();

    const stored = new Set<string>();
    const storedDeadline = Date.now() + 60_000;
    while (stored.size < acknowledged.length && Date.now() < storedDeadline) {
      for (const delivery of await allPages(client, '/v1/deliveries?status=succeeded')) if (delivery.attemptCount > 0) stored.add(delivery.eventId);
      if (stored.size < acknowledged.length) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const duplicates = receiver.requests.length - received().size;
    process.stdout.write(
      `broker restart: ${acknowledged.length} acknowledged, ${refusedWhileDown} refused with 503 while RabbitMQ was down, ` +
        `${unanswered} unanswered, ${missing.length} missing, ${duplicates} duplicate deliveries, ${stored.size} with stored attempts\n`,
    );
    expect(refusedWhileDown).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  });
});
