import { Agent, request } from 'undici';
import { newId } from '../shared/ids.js';
import { generateSigningSecret, signWebhook } from '../shared/webhooks/signing.js';
import { LatencyReceiver } from './latency-receiver.js';
import { figures, type RunFigures } from './stats.js';
import { runConcurrently, withBenchPlatform } from './bench-platform.js';

export interface EndToEndOptions {
  events: number;
  concurrency: number;
}

function latencies(sentAt: number[], receiver: LatencyReceiver): number[] {
  return sentAt.map((sent, seq) => receiver.arrivalOf(seq)! - sent);
}

/**
 * The floor: sign and POST the same envelopes straight to the receiver with the same HTTP
 * client (undici) and concurrency, with no HTTP API, queue or store in between.
 */
export async function bareLoop(receiver: LatencyReceiver, url: string, options: EndToEndOptions): Promise<RunFigures> {
  const agent = new Agent({ connections: options.concurrency });
  const secret = generateSigningSecret();
  receiver.reset();
  const sentAt: number[] = [];
  const started = performance.now();
  await runConcurrently(options.events, options.concurrency, async (seq) => {
    const id = newId('delivery');
    const body = JSON.stringify({ id: newId('event'), type: 'bench.tick', timestamp: new Date().toISOString(), data: { seq } });
    const timestamp = Math.floor(Date.now() / 1000);
    sentAt[seq] = performance.now();
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook([secret], id, timestamp, body),
      },
      body,
    });
    await response.body.dump();
  });
  await receiver.waitForAll(options.events, 60_000);
  const elapsed = Math.max(...receiver.arrivals.values()) - started;
  await agent.close();
  return figures('bare loop (sign + POST)', latencies(sentAt, receiver), elapsed);
}

/**
 * Publish over HTTP to receipt at the receiver, through the whole embedded platform; with
 * `transform`, the subscription has that JSONata transform (which must keep `data.seq`).
 */
export async function embeddedRun(receiver: LatencyReceiver, url: string, options: EndToEndOptions, name = 'embedded (HTTP publish -> receipt)', transform?: string): Promise<RunFigures> {
  return withBenchPlatform(async ({ base, key, post }) => {
    await post('/v1/subscriptions', { url, events: ['bench.*'], ...(transform !== undefined ? { transform } : {}) });
    if (transform !== undefined) {
      // The transform workers start with the first transform: not part of the throughput.
      receiver.reset();
      await post('/v1/events', { type: 'bench.tick', data: { seq: -1 } });
      await receiver.waitForAll(1, 60_000);
    }
    return publishToReceipt(receiver, base, key, options, name);
  });
}

/**
 * Publishes `options.events` events over HTTP to a running gateway at `base` with the app's
 * `key`, and measures each until the receiver has it: the end-to-end figures of one platform.
 */
export async function publishToReceipt(receiver: LatencyReceiver, base: string, key: string, options: EndToEndOptions, name: string): Promise<RunFigures> {
  const agent = new Agent({ connections: options.concurrency });
  receiver.reset();
  const sentAt: number[] = [];
  const started = performance.now();
  await runConcurrently(options.events, options.concurrency, async (seq) => {
    sentAt[seq] = performance.now();
    const response = await request(base + '/v1/events', {
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
  return figures(name, latencies(sentAt, receiver), elapsed);
}
