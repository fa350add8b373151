import { request } from 'undici';
import { startEmbedded } from '../cli/embedded.js';
import { loadConfig } from '../shared/config/index.js';
import { createLogger } from '../shared/logger.js';
import { makeTempDir } from '../test/support/temp-dir.js';

/** Runs `count` sends, at most `concurrency` at once; `send(seq)` resolves when that send is done. */
export async function runConcurrently(count: number, concurrency: number, send: (seq: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await send(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export interface BenchPlatform {
  base: string;
  /** An API key of the one app the run uses. */
  key: string;
  /** POSTs JSON with the app's key; throws on a non-2xx answer. */
  post(path: string, body: unknown): Promise<any>;
}

async function post(base: string, token: string, path: string, body: unknown): Promise<any> {
  const response = await request(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = await response.body.json();
  if (response.statusCode >= 300) throw new Error(`${path}: ${response.statusCode} ${JSON.stringify(parsed)}`);
  return parsed;
}

/**
 * The whole embedded platform on a fresh data dir, as `npm start` runs it (loopback receivers
 * allowed, no API rate limit), with one app and key; stopped and removed after `run`.
 */
export async function withBenchPlatform<T>(run: (platform: BenchPlatform) => Promise<T>): Promise<T> {
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
    const app = await post(base, adminToken, '/v1/apps', { name: 'bench' });
    const { key } = await post(base, adminToken, `/v1/apps/${app.id}/keys`, {});
    return await run({ base, key, post: (path, body) => post(base, key, path, body) });
  } finally {
    await platform.stop();
    dir.remove();
  }
}
