import { Worker } from 'node:worker_threads';

/** A /healthz answer slower than the bound, or one still missing when asked. */
export interface SlowProbe {
  /** Epoch ms the probe was sent. */
  startedAt: number;
  ms: number;
  /** True when no answer had come yet at the time of the report. */
  pending: boolean;
}

export interface HealthWatch {
  /** Resolves once the probe runs (its first answer, which loads the client, is not counted). */
  ready: Promise<void>;
  /**
   * The slow probes (at or over `thresholdMs`) not taken before, and the one in flight if it
   * has already waited that long (it is reported again until it ends).
   */
  takeSlow(): SlowProbe[];
  /** The slowest answer so far and the number of probes. */
  summary(): { maxMs: number; samples: number };
  stop(): Promise<void>;
}

// Plain JavaScript run in a worker thread (eval), so no loader is needed. The worker probes on
// its own event loop: the fuzz loop building a 3 MB body or diffing a snapshot cannot delay a
// probe and pass its own stall off as the server's.
const PROBE_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { url, intervalMs, thresholdMs, shared } = workerData;
// [0] epoch ms of the probe in flight (0: none), [1] slowest ms, [2] samples
const state = new Float64Array(shared);
let running = true;
let warm = false;
parentPort.on('message', (message) => { if (message === 'stop') running = false; });
(async () => {
  while (running) {
    const startedAt = Date.now();
    const started = performance.now();
    state[0] = startedAt;
    let error;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30000) });
      await response.arrayBuffer();
    } catch (caught) {
      error = String(caught);
    }
    const ms = performance.now() - started;
    state[0] = 0;
    // The thread's first fetch loads the HTTP client: not the server's time.
    if (!warm) {
      warm = true;
      parentPort.postMessage('ready');
      continue;
    }
    state[1] = Math.max(state[1], ms);
    state[2] += 1;
    if (ms >= thresholdMs || error) parentPort.postMessage({ startedAt, ms, error });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  parentPort.postMessage('stopped');
})();
`;

/**
 * Probes `url` (a /healthz) every `intervalMs` from a worker thread and keeps every answer that
 * took `thresholdMs` or more, so a property can ask after each request whether the server
 * stalled meanwhile.
 */
export function watchHealth(url: string, { intervalMs = 20, thresholdMs = 300 } = {}): HealthWatch {
  const shared = new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT);
  const state = new Float64Array(shared);
  const slow: SlowProbe[] = [];
  const worker = new Worker(PROBE_SOURCE, { eval: true, workerData: { url, intervalMs, thresholdMs, shared } });
  let warmed = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const stopped = new Promise<void>((resolve) => {
    worker.on('message', (message: { startedAt: number; ms: number; error?: string } | 'stopped' | 'ready') => {
      if (message === 'ready') {
        warmed = true;
        markReady();
      }
      else if (message === 'stopped') resolve();
      else slow.push({ startedAt: message.startedAt, ms: message.error ? Infinity : message.ms, pending: false });
    });
    worker.once('exit', () => resolve());
  });
  return {
    ready,
    takeSlow() {
      const found = slow.splice(0);
      const inFlightSince = state[0]!;
      if (inFlightSince > 0 && warmed && Date.now() - inFlightSince >= thresholdMs) {
        found.push({ startedAt: inFlightSince, ms: Date.now() - inFlightSince, pending: true });
      }
      return found;
    },
    summary() {
      return { maxMs: state[1]!, samples: state[2]! };
    },
    async stop() {
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      await worker.terminate();
    },
  };
}
