import type { LatencyReceiver } from './latency-receiver.js';
import { runConcurrently, withBenchPlatform } from './bench-platform.js';
import { figures, type RunFigures } from './stats.js';

export interface FanOutOptions {
  /** Matching subscriptions, each with a payload filter. */
  subscriptions: number;
  /** Deliveries the run aims at: events = ceil(deliveries / subscriptions). */
  deliveries: number;
  concurrency: number;
}

/**
 * One event to N matching subscriptions (each with a payload filter and its own URL path),
 * over the whole embedded platform: deliveries per second from the first publish to the last
 * receipt. Latency is from an event's publish to its last subscription's receipt.
 */
export async function fanOutRun(receiver: LatencyReceiver, url: string, options: FanOutOptions): Promise<RunFigures> {
  const events = Math.max(1, Math.ceil(options.deliveries / options.subscriptions));
  return withBenchPlatform(async ({ post }) => {
    for (let index = 0; index < options.subscriptions; index++) {
      await post('/v1/subscriptions', {
        url: `${url}/${index}`,
        events: ['bench.fanout'],
        filter: { 'data.seq': { $gte: 0 }, 'data.region': { $in: ['eu', 'us'] } },
      });
    }
    receiver.reset();
    const sentAt: number[] = [];
    const started = performance.now();
    await runConcurrently(events, Math.min(options.concurrency, events), async (seq) => {
      sentAt[seq] = performance.now();
      await post('/v1/events', { type: 'bench.fanout', data: { seq, region: 'eu' } });
    });
    const total = events * options.subscriptions;
    await receiver.waitForAll(total, 300_000);
    const arrivals = [...receiver.arrivals.entries()];
    const elapsed = Math.max(...arrivals.map(([, at]) => at)) - started;
    const lastReceipt = new Map<number, number>();
    for (const [key, at] of arrivals) {
      const seq = Number(key.slice(key.lastIndexOf(' ') + 1));
      lastReceipt.set(seq, Math.max(lastReceipt.get(seq) ?? 0, at));
    }
    const latencies = sentAt.map((sent, seq) => lastReceipt.get(seq)! - sent);
    return figures(`fan-out to ${options.subscriptions} (${events} events)`, latencies, elapsed, total);
  });
}
