import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { tsWorker } from './ts-worker.js';
import { Pool } from 'undici';
import { figures, type RunFigures } from './stats.js';

export interface LoadOptions {
  /** Requests in flight at once; also the pool's connection count (keep-alive, no pipelining). */
  concurrency: number;
  /** Requests sent first and not counted, so JIT and connection set-up do not count. */
  warmup: number;
  /** Requests measured. */
  requests: number;
}

export interface LoadResult extends RunFigures {
  /** Answers other than 200, and failed requests, warm-up included. */
  errors: number;
  /** The first few errors, as `status body` or the error's message. */
  errorSamples: string[];
}

interface LoadJob extends LoadOptions {
  role: 'http-load';
  name: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * GETs `url` from a worker thread with an undici keep-alive pool, so the load generator never
 * shares an event loop with the server it measures. Every answer must be 200.
 */
export function runLoad(name: string, url: string, headers: Record<string, string>, options: LoadOptions): Promise<LoadResult> {
  const job: LoadJob = { role: 'http-load', name, url, headers, ...options };
  const worker = tsWorker(new URL(import.meta.url), job);
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker for ${name} exited with ${code}`)));
  });
}

/** `count` sends, at most `concurrency` at once (bench-platform's loop, without its imports). */
async function runConcurrently(count: number, concurrency: number, send: () => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next++ < count) await send();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function load(job: LoadJob): Promise<LoadResult> {
  const { origin, pathname, search } = new URL(job.url);
  const pool = new Pool(origin, { connections: job.concurrency, pipelining: 1 });
  let errors = 0;
  const errorSamples: string[] = [];
  const latencies: number[] = [];
  const fail = (what: string) => {
    errors += 1;
    if (errorSamples.length < 5) errorSamples.push(what);
  };
  const send = (record: boolean) => async () => {
    const started = performance.now();
    try {
      const response = await pool.request({ method: 'GET', path: pathname + search, headers: job.headers });
      const body = await response.body.text();
      if (response.statusCode !== 200) fail(`${response.statusCode} ${body.slice(0, 200)}`);
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
    if (record) latencies.push(performance.now() - started);
  };
  try {
    await runConcurrently(job.warmup, job.concurrency, send(false));
    const started = performance.now();
    await runConcurrently(job.requests, job.concurrency, send(true));
    const result = figures(job.name, latencies, performance.now() - started);
    return { ...result, errors, errorSamples };
  } finally {
    await pool.close();
  }
}

if (!isMainThread && (workerData as LoadJob | undefined)?.role === 'http-load') {
  parentPort!.postMessage(await load(workerData as LoadJob));
}
