import { Agent, request } from 'undici';
import { startEmbedded } from '../cli/embedded.js';
import { loadConfig } from '../shared/config/index.js';
import { newId } from '../shared/ids.js';
import { createLogger } from '../shared/logger.js';
import { generateSigningSecret, signWebhook } from '../shared/webhooks/signing.js';
import { LatencyReceiver } from './latency-receiver.js';
import { figures, type RunFigures } from './stats.js';
import { makeTempDir } from '../test/support/temp-dir.js';

export interface EndToEndOptions {
  events: number;
  concurrency: number;
}

/** Runs `count` sends, at most `concurrency` at once; `send(seq)` resolves when that send is done. */
async function runConcurrently(count: number, concurrency: number, send: (seq: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await send(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function latencies(sentAt: number[], receiver: LatencyReceiver): number[] {
  return sentAt.map((sent, seq) => receiver.arrivals.get(seq)! - sent);
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

async function api(base: string, token: string, path: string, body: unknown): Promise<any> {
  const response = await request(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = await response.body.json();
  if (response.statusCode >= 300) throw new Error(`${path}: ${response.statusCode} ${JSON.stringify(parsed)}`);
  return parsed;
}

/** Publish over HTTP to receipt at the receiver, through the whole embedded platform. */
export async function embeddedRun(receiver: LatencyReceiver, url: string, options: EndToEndOptions, name = 'embedded (HTTP publish -> receipt)'): Promise<RunFigures> {
  const dir = makeTempDir('bench');
  const adminToken = 'bench-admin-token-0123456789';
  const config = loadConfig({
    HOOKGATE_PORT: '0',
    HOOKGATE_HOST: '127.0.0.1',
    HOOKGATE_DATA_DIR: dir.path,
    HOOKGATE_ADMIN_TOKEN: adminToken,
    HOOKGATE_ALLOW_PRIVATE_URLS: 'true',
    HOOKGATE_API_RATE_LIMIT: '100000000',
    HOOKGATE_LOG_LEVEL: 'silent',
  });
  const platform = await startEmbedded(config, createLogger('silent'));
  try {
    const base = platform.server.url;
    const app = await api(base, adminToken, '/v1/apps', { name: 'bench' });
    const key = await api(base, adminToken, `/v1/apps/${app.id}/keys`, {});
    await api(base, key.key, '/v1/subscriptions', { url, events: ['bench.*'] });

    const agent = new Agent({ connections: options.concurrency });
    receiver.reset();
    const sentAt: number[] = [];
    const started = performance.now();
    await runConcurrently(options.events, options.concurrency, async (seq) => {
      sentAt[seq] = performance.now();
      const response = await request(base + '/v1/events', {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'bench.tick', data: { seq } }),
      });
      await response.body.dump();
      if (response.statusCode !== 202) throw new Error(`publish answered ${response.statusCode}`);
    });
    await receiver.waitForAll(options.events, 120_000);
    const elapsed = Math.max(...receiver.arrivals.values()) - started;
    await agent.close();
    return figures(name, latencies(sentAt, receiver), elapsed);
  } finally {
    await platform.stop();
    dir.remove();
  }
}
