import { Agent, request } from 'undici';
import { ApiClient, createAppWithKey } from '../test/support/api-client.js';
import { spawnHookgate, type HookgateProcess } from '../test/support/hookgate-process.js';
import { makeTempDir } from '../test/support/temp-dir.js';
import { runConcurrently } from './bench-platform.js';
import { createHostileSubscriptions, HOSTILE_INGREDIENTS, publishSteadily, startSink, type IngredientOutcome, type Sink } from './hostile-app.js';
import { LatencyReceiver } from './latency-receiver.js';
import { figures, printTable, type RunFigures } from './stats.js';

/** The ratio issue 11 requires: an ordinary app keeps 90 % of its throughput beside a hostile one. */
export const MIN_ISOLATION_RATIO = 0.9;
const ADMIN_TOKEN = 'bench-isolation-admin-token-0123456789';

export interface IsolationOptions {
  /** The ordinary app's events in each round (one delivery each). */
  events: number;
  /** The ordinary app's publishers at once. */
  concurrency: number;
  /** The hostile app's events per second, steady, through each round beside it. */
  hostilePerSecond: number;
}

interface PhaseFigures extends RunFigures {
  /** False when the phase hit its time cap before every delivery arrived. */
  complete: boolean;
  elapsedMs: number;
  latencies: number[];
}

/**
 * Publishes `events` events for the ordinary app and waits for their webhooks at most `capMs`;
 * deliveries per second are the arrivals over the time to the last one (or to the cap, when
 * not all arrived: a stalled platform then still yields a figure in bounded time).
 */
async function ordinaryPhase(receiver: LatencyReceiver, base: string, key: string, options: IsolationOptions, capMs: number, name: string): Promise<PhaseFigures> {
  const agent = new Agent({ connections: options.concurrency });
  receiver.reset();
  const sentAt: number[] = [];
  let stopped = false;
  const started = performance.now();
  const publishing = runConcurrently(options.events, options.concurrency, async (seq) => {
    if (stopped) return;
    sentAt[seq] = performance.now();
    const response = await request(base + '/v1/events', {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'bench.tick', data: { seq } }),
    });
    await response.body.dump();
    if (response.statusCode !== 202) throw new Error(`ordinary publish answered ${response.statusCode}`);
  });
  // A refused publish ends the phase at once; one failing after the phase ended is ignored.
  const failed = publishing.then(() => new Promise<never>(() => {}));
  const arrived = receiver.waitForAll(options.events, capMs).then(
    () => true,
    () => false,
  );
  const complete = await Promise.race([arrived, failed]).finally(() => (stopped = true));
  const arrivals = [...receiver.arrivals.values()];
  const elapsed = complete ? Math.max(...arrivals) - started : performance.now() - started;
  // A run cut at its cap still has publishes waiting on the platform: drop them.
  await (complete ? agent.close() : agent.destroy());
  const latencies = sentAt.flatMap((sent, seq) => {
    const arrived = receiver.arrivalOf(seq);
    return arrived === undefined ? [] : [arrived - sent];
  });
  return { ...figures(name, latencies, elapsed, arrivals.length), complete, elapsedMs: elapsed, latencies };
}

/** Each created hostile subscription's deliveries by status (first page), or why they are unknown. */
async function hostileDeliveries(hookgate: HookgateProcess, key: string, outcomes: IngredientOutcome[], sink: Sink): Promise<string[]> {
  const lines: string[] = [];
  let answering = true;
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.id === undefined) continue;
    const { requests, webhookIds } = sink.received(index);
    const received = `${requests} webhooks received (${webhookIds} distinct webhook-ids)`;
    if (!answering) {
      lines.push(`${outcome.name}: ${received}, deliveries unknown (hookgate is not answering)`);
      continue;
    }
    try {
      const response = await fetch(`${hookgate.url}/v1/deliveries?subscription=${outcome.id}&limit=250`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(3_000),
      });
      const page = (await response.json()) as { data: { status: string }[]; nextCursor?: string | null };
      const byStatus: Record<string, number> = {};
      for (const delivery of page.data) byStatus[delivery.status] = (byStatus[delivery.status] ?? 0) + 1;
      const counts = Object.entries(byStatus).map(([status, count]) => `${count}${page.nextCursor ? '+' : ''} ${status}`);
      // Statuses are recorded from a results queue, so they may trail the webhooks by a little.
      lines.push(`${outcome.name}: ${received}; recorded so far: ${counts.length > 0 ? counts.join(', ') : 'no deliveries'}`);
    } catch {
      answering = false;
      lines.push(`${outcome.name}: ${received}, deliveries unknown (hookgate did not answer within 3 s)`);
    }
  }
  return lines;
}

interface Round {
  figures: PhaseFigures;
  /** The hostile app's side of a round beside it. */
  hostile?: { outcomes: IngredientOutcome[]; answers: Record<string, number>; deliveries: string[] };
}

/**
 * One round on a fresh `hookgate start` (a child process, as `npm start` runs it): the
 * ordinary app's warm-up, then its measured phase, alone or with the hostile app publishing
 * steadily beside it from a second before the phase to its end.
 */
async function runRound(receiver: LatencyReceiver, url: string, options: IsolationOptions, beside: boolean, capMs: number, name: string): Promise<Round> {
  const sink = await startSink();
  const dataDir = makeTempDir('bench-isolation');
  let hookgate: HookgateProcess | undefined;
  try {
    hookgate = await spawnHookgate({
      HOOKGATE_DATA_DIR: dataDir.path,
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_PRIVATE_URLS: 'true',
      HOOKGATE_API_RATE_LIMIT: '100000000',
      HOOKGATE_LOG_LEVEL: 'error',
    });
    const admin = new ApiClient(hookgate.url, ADMIN_TOKEN);
    const ordinary = await createAppWithKey(admin, 'ordinary');
    const subscribed = await ordinary.client.post('/v1/subscriptions', { url, events: ['bench.*'] });
    if (subscribed.status !== 201) throw new Error(`ordinary subscription: ${subscribed.status} ${JSON.stringify(subscribed.body)}`);
    // A warm-up so JIT and connection set-up do not count.
    await ordinaryPhase(receiver, hookgate.url, ordinary.key, { ...options, events: 200 }, 60_000, 'warm-up');
    if (!beside) return { figures: await ordinaryPhase(receiver, hookgate.url, ordinary.key, options, capMs, name) };

    const hostile = await createAppWithKey(admin, 'hostile');
    const outcomes = await createHostileSubscriptions(hostile.client, sink.url);
    const publisher = publishSteadily(hookgate.url, hostile.key, options.hostilePerSecond);
    // The phase starts once the hostile app runs steadily: each of its subscriptions that can
    // deliver has delivered (one-time costs such as starting transform workers are behind), or
    // after at most 5 s.
    const delivering = outcomes.flatMap((outcome, index) => (outcome.id !== undefined && HOSTILE_INGREDIENTS[index]!.delivers ? [index] : []));
    const steady = Date.now() + 5_000;
    while (delivering.some((index) => sink.received(index).requests === 0) && Date.now() < steady) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const figures = await ordinaryPhase(receiver, hookgate.url, ordinary.key, options, capMs, name);
    const answers = await publisher.stop();
    const deliveries = await hostileDeliveries(hookgate, hostile.key, outcomes, sink);
    return { figures, hostile: { outcomes, answers, deliveries } };
  } finally {
    if (hookgate !== undefined) {
      hookgate.child.kill('SIGKILL');
      await hookgate.exited;
    }
    await sink.close();
    dataDir.remove();
  }
}

/** Rounds taken as one run: all their deliveries over all their time. */
function combined(name: string, rounds: PhaseFigures[]): PhaseFigures {
  const count = rounds.reduce((sum, round) => sum + round.count, 0);
  const elapsedMs = rounds.reduce((sum, round) => sum + round.elapsedMs, 0);
  const latencies = rounds.flatMap((round) => round.latencies);
  return { ...figures(name, latencies, elapsedMs, count), complete: rounds.every((round) => round.complete), elapsedMs, latencies };
}

/**
 * Isolation between tenants, measured from outside `hookgate start` (the publishers and
 * receivers live in this process): the ordinary app's deliveries per second alone, and beside
 * a hostile app publishing steadily into subscriptions that stall backtracking code (pattern,
 * filter regex, transform regex) or burn a transform's deadline. Rounds run alone, beside,
 * beside, alone, each on a fresh process, so a machine getting busier or quieter during the
 * run (other work on shared cores) weighs on both sides alike. Prints the ratio beside/alone,
 * which must stay >= 0.9; returns whether it did.
 */
export async function isolationSuite(options: IsolationOptions): Promise<boolean> {
  const receiver = new LatencyReceiver();
  const url = await receiver.start();
  try {
    const perRound = { ...options, events: Math.max(1, Math.round(options.events / 2)) };
    const first = await runRound(receiver, url, perRound, false, 300_000, 'alone, round 1');
    if (!first.figures.complete) throw new Error(`the ordinary app alone delivered only ${first.figures.count} of ${perRound.events} in 300 s`);
    // Bounded: a platform the hostile app stalls still ends the run, with the figure it earned.
    const capMs = Math.max(10_000, 5 * first.figures.elapsedMs);
    const besides = [
      await runRound(receiver, url, perRound, true, capMs, `beside a hostile app (${options.hostilePerSecond} events/s), round 1`),
      await runRound(receiver, url, perRound, true, capMs, `beside a hostile app (${options.hostilePerSecond} events/s), round 2`),
    ];
    const last = await runRound(receiver, url, perRound, false, 300_000, 'alone, round 2');
    const alone = combined('alone', [first.figures, last.figures]);
    const beside = combined('beside a hostile app', besides.map((round) => round.figures));

    printTable(
      `isolation (ordinary app: ${perRound.events} deliveries per round, ${options.concurrency} concurrent publishers; hookgate start as a child process, fresh per round; node ${process.version})`,
      alone,
      [first.figures, ...besides.map((round) => round.figures), last.figures, beside],
    );
    for (const outcome of besides[0]!.hostile!.outcomes) {
      process.stdout.write(`hostile ${outcome.name}: ${outcome.refused === undefined ? 'created' : `refused at creation (422: ${outcome.refused}): pass`}\n`);
    }
    for (const [index, round] of besides.entries()) {
      const { answers, deliveries } = round.hostile!;
      const answered = Object.entries(answers).map(([status, count]) => `${count} ${status}`).join(', ');
      process.stdout.write(`hostile round ${index + 1}: publishes answered ${answered || 'none'}\n`);
      for (const line of deliveries) process.stdout.write(`  deliveries of ${line}\n`);
      if (!round.figures.complete) {
        process.stdout.write(`  only ${round.figures.count} of ${perRound.events} ordinary deliveries arrived within the ${(capMs / 1000).toFixed(0)} s cap\n`);
      }
    }
    const ratio = beside.perSecond / alone.perSecond;
    const passed = ratio >= MIN_ISOLATION_RATIO;
    process.stdout.write(
      `isolation: ordinary app ${alone.perSecond.toFixed(0)} deliveries/s alone, ${beside.perSecond.toFixed(0)} beside a hostile app: ` +
        `ratio ${ratio.toFixed(3)} (must be >= ${MIN_ISOLATION_RATIO})${passed ? '' : ' FAIL: below the minimum'}\n`,
    );
    return passed;
  } finally {
    await receiver.close();
  }
}
