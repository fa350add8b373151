import { Agent, request } from 'undici';
import { createAppWithKey } from '../test/support/api-client.js';
import { startDistributedPlatform } from '../test/support/distributed-platform.js';
import { runConcurrently } from './bench-platform.js';
import type { EndToEndOptions } from './end-to-end.js';
import type { LatencyReceiver } from './latency-receiver.js';
import { figures, type RunFigures } from './stats.js';

/**
 * The end-to-end run (HTTP publish to receipt) against distributed mode as production runs it:
 * `hookgate storage`, `processors` × `hookgate processor` and `hookgate gateway` as separate
 * processes over the real RabbitMQ, with the store chosen by `env` (MongoDB when it names one).
 */
export async function distributedRun(
  receiver: LatencyReceiver,
  url: string,
  options: EndToEndOptions & { processors: number; storeName: string; env?: Record<string, string> },
): Promise<RunFigures> {
  const platform = await startDistributedPlatform({
    processors: options.processors,
    env: { HOOKGATE_API_RATE_LIMIT: '100000000', HOOKGATE_LOG_LEVEL: 'warn', ...options.env },
  });
  try {
    const { client, key } = await createAppWithKey(platform.admin, 'bench');
    const subscribed = await client.post('/v1/subscriptions', { url, events: ['bench.*'] });
    if (subscribed.status !== 201) throw new Error(`subscribing answered ${subscribed.status}: ${JSON.stringify(subscribed.body)}`);

    const agent = new Agent({ connections: options.concurrency });
    receiver.reset();
    const sentAt: number[] = [];
    const started = performance.now();
    await runConcurrently(options.events, options.concurrency, async (seq) => {
      sentAt[seq] = performance.now();
      const response = await request(`${platform.gatewayUrl}/v1/events`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'bench.tick', data: { seq } }),
      });
      await response.body.dump();
      if (response.statusCode !== 202) throw new Error(`publish answered ${response.statusCode}`);
    });
    await receiver.waitForAll(options.events, 300_000);
    const elapsed = Math.max(...receiver.arrivals.values()) - started;
    await agent.close();
    const latencies = sentAt.map((sent, seq) => receiver.arrivalOf(seq)! - sent);
    return figures(`distributed, ${options.processors} processor${options.processors > 1 ? 's' : ''}, ${options.storeName}`, latencies, elapsed);
  } finally {
    await platform.stop();
  }
}
