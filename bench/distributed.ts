import { createAppWithKey } from '../test/support/api-client.js';
import { startDistributedPlatform } from '../test/support/distributed-platform.js';
import { publishToReceipt, type EndToEndOptions } from './end-to-end.js';
import type { LatencyReceiver } from './latency-receiver.js';
import type { RunFigures } from './stats.js';

/** Calls the storage service has answered on its internal API so far, from its own /metrics. */
async function storageCalls(storageUrl: string): Promise<number> {
  const text = await (await fetch(`${storageUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('hookgate_http_requests_total{') && line.includes('route="/internal/storage/{aggregate}/{method}"')) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

/**
 * The end-to-end run (HTTP publish to receipt) against distributed mode as production runs it:
 * `hookgate storage`, `processors` × `hookgate processor` and `hookgate gateway` as separate
 * processes over the real RabbitMQ and the MongoDB test server (or `HOOKGATE_TEST_MONGODB_URL`).
 * Also counts the round trips to the storage service the run cost, per event.
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

    const processors = `${options.processors} processor${options.processors > 1 ? 's' : ''}`;
    const callsBefore = await storageCalls(platform.storage.url);
    const run = await publishToReceipt(receiver, platform.gatewayUrl, key, options, `distributed, ${processors}, ${options.storeName}`);
    return { ...run, storageCallsPerEvent: ((await storageCalls(platform.storage.url)) - callsBefore) / options.events };
  } finally {
    await platform.stop();
  }
}
