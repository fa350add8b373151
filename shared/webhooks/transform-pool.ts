import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.js';
import { DEFAULT_TRANSFORM_LIMITS, TransformError, type TransformLimits } from './payload-transform.js';
import type { TransformReply, TransformRequest, TransformWorkerReady } from './transform-worker.js';

export interface TransformPoolOptions {
  /** Worker processes evaluating at once; default 2. */
  workers?: number;
  /** An evaluation's time limit; default 100 ms. */
  timeoutMs?: number;
  /** Largest body, in bytes of JSON, an evaluation may produce; default 256 KiB. */
  maxOutputBytes?: number;
  /** Each worker's JavaScript heap (V8 old space), in MB; default 64. */
  maxMemoryMb?: number;
  logger?: Logger;
}

/**
 * Runs tenants' code outside the process, each evaluation under a deadline that can stop it:
 * JSONata transforms, and payload filters with a `$regex` (RE2 is linear, but a wide program
 * over a large field still takes seconds). The name predates filters; it is the tenants' code pool.
 */
export interface TransformPool {
  /** Makes the pool usable; its workers start with the first evaluation. */
  start(): Promise<void>;
  /**
   * The JSON text of `expression` evaluated against `input`. Rejects with a TransformError when
   * the expression fails, overruns its deadline or its memory (its worker is then replaced);
   * with a plain Error (worth retrying later) when the pool is closed or no worker can start.
   */
  run(expression: string, input: unknown): Promise<string>;
  /**
   * Whether `input` matches the payload `filter` (one `filterErrors` accepted), under the same
   * deadline, memory cap and failures as `run`; a TransformError's message names the filter.
   */
  match(filter: Record<string, unknown>, input: unknown): Promise<boolean>;
  /** Refuses new evaluations, lets those in progress end (each within its deadline), stops the workers. */
  close(): Promise<void>;
}

/**
 * How long past `timeoutMs` an evaluation may go on before its worker is killed. JSONata's own
 * check, between its steps, comes first and keeps the worker (and its compiled expressions);
 * the kill is for what that check cannot see: one built-in call or one step running for
 * seconds. Counted from when the worker can begin the request, never while it queues.
 */
const HARD_DEADLINE_GRACE_MS = 200;
const DEFAULT_WORKERS = 2;
const DEFAULT_MAX_MEMORY_MB = 64;
/**
 * Requests handed to one worker ahead of its replies: enough that a burst of deliveries is out
 * in one turn of this process's event loop, whose turns are what a transform's latency is made
 * of. The worker still evaluates them one at a time, in order.
 */
const PIPELINE_DEPTH = 64;
/**
 * Input (bytes of JSON) handed to one worker ahead of its replies, as a share of its heap: what
 * waits in a worker stays small beside what the evaluation in progress may use, so a worker
 * that runs out of memory was run out of it by that evaluation. One request is always let through.
 */
const QUEUED_INPUT_SHARE_OF_HEAP = 1 / 16;
/** A worker that died before it was ready is started again after this, not in a tight loop. */
const RESTART_BACKOFF_MS = 1_000;
/** The end of a worker's stderr kept to tell why it died (V8 prints its out-of-memory report there). */
const STDERR_TAIL_CHARS = 4_096;

interface Pending {
  request: TransformRequest;
  /** What it evaluates, for the reason it failed. */
  kind: 'transform' | 'filter';
  resolve: (json: string) => void;
  reject: (error: Error) => void;
  /** Its input's size, bytes of JSON. */
  bytes: number;
  /** Its worker died of a crash with other requests in it: it runs once more, alone, before it is blamed. */
  alone?: boolean;
}

interface Worker {
  child: ChildProcess;
  ready: boolean;
  /** Requests sent and not answered, in order: the first is the one being evaluated. */
  inFlight: Pending[];
  /** Their inputs' size, bytes of JSON. */
  inFlightBytes: number;
  /** The first request's hard deadline. */
  deadline?: NodeJS.Timeout;
  /** Killed for overrunning: its exit is expected. */
  killed: boolean;
  stderr: string;
}

/** The worker's module: the build's transform-worker.js beside this file, or from the sources a bootstrap that loads the TypeScript through tsx. */
function workerModule(): string {
  const built = import.meta.url.endsWith('.js');
  return fileURLToPath(new URL(built ? './transform-worker.js' : './transform-worker-source.mjs', import.meta.url));
}

function isReady(message: unknown): message is TransformWorkerReady {
  return typeof message === 'object' && message !== null && (message as TransformWorkerReady).ready === true;
}

/**
 * A pool of worker processes for tenants' transforms. Each worker evaluates its requests one at
 * a time, in order; the one it is evaluating has a deadline from the moment the worker could
 * begin it, and past that deadline the worker is killed (SIGKILL) and replaced, that request
 * fails, and the requests queued behind it go to another worker (a worker that crashes beside
 * others first gets its request once more, alone, to be sure it is to blame). Each worker's heap is capped
 * with `--max-old-space-size`: V8 then aborts the worker's own process on an allocation it
 * cannot make (`$pad("x", 1e8)`), which worker threads cannot promise (one large allocation in
 * a thread over its `resourceLimits` aborts the whole process). The main thread only sends the
 * input and receives JSON text, so it stays responsive whatever an expression does. Workers
 * start with the first evaluation, so an installation without transforms runs none.
 *
 * @example
 * const pool = createTransformPool({ workers: 2, timeoutMs: 100 });
 * await pool.start();
 * await pool.run('{"id": data.orderId}', envelope); // '{"id":"o-1"}'
 * await pool.close();
 */
export function createTransformPool(options: TransformPoolOptions = {}): TransformPool {
  const size = options.workers ?? DEFAULT_WORKERS;
  const maxMemoryMb = options.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB;
  const limits: TransformLimits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TRANSFORM_LIMITS.timeoutMs,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_TRANSFORM_LIMITS.maxOutputBytes,
  };
  const hardDeadlineMs = limits.timeoutMs + HARD_DEADLINE_GRACE_MS;
  const maxQueuedBytes = maxMemoryMb * 1024 * 1024 * QUEUED_INPUT_SHARE_OF_HEAP;
  const log = options.logger;
  const workers = new Set<Worker>();
  const queue: Pending[] = [];
  let running = false;
  let nextId = 0;
  /** Set while workers keep dying before they are ready: queued requests fail instead of waiting for ever. */
  let bootFailure: string | undefined;
  let idle: (() => void) | undefined;

  function spawn(): void {
    const child = fork(workerModule(), [JSON.stringify(limits)], {
      // Its own flags only: a parent's --inspect or loader must not be inherited.
      execArgv: [`--max-old-space-size=${maxMemoryMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Cheaper than 'advanced' for the small messages most transforms make (measured ~20 vs ~35 µs of this thread's time each).
      serialization: 'json',
    });
    const worker: Worker = { child, ready: false, inFlight: [], inFlightBytes: 0, killed: false, stderr: '' };
    workers.add(worker);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      worker.stderr = (worker.stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on('message', (message: TransformReply | TransformWorkerReady) => onMessage(worker, message));
    child.on('error', (error) => log?.warn({ err: error }, 'transform worker process failed'));
    child.on('exit', (code, signal) => onExit(worker, code, signal));
    // An idle worker does not keep the event loop alive (holdLoop); its process and stderr never do.
    child.unref();
    (child.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.();
  }

  /** Keeps the event loop alive while a worker starts or evaluates (someone awaits it), not while it idles. */
  function holdLoop(worker: Worker): void {
    if (!worker.ready || worker.inFlight.length > 0) worker.child.channel?.ref();
    else worker.child.channel?.unref();
  }

  /** Starts the deadline of the request the worker is now evaluating, if any. */
  function armDeadline(worker: Worker): void {
    clearTimeout(worker.deadline);
    worker.deadline = worker.inFlight.length > 0 ? setTimeout(() => overrun(worker), hardDeadlineMs) : undefined;
  }

  function onMessage(worker: Worker, message: TransformReply | TransformWorkerReady): void {
    if (isReady(message)) {
      worker.ready = true;
      holdLoop(worker);
      bootFailure = undefined;
      dispatch();
      return;
    }
    // Replies come in the order of the requests; anything else is from a worker already given up on.
    if (worker.killed || worker.inFlight[0]?.request.id !== message.id) return;
    const answered = worker.inFlight.shift()!;
    worker.inFlightBytes -= answered.bytes;
    armDeadline(worker);
    holdLoop(worker);
    if ('json' in message) answered.resolve(message.json);
    else answered.reject(new TransformError(message.error));
    dispatch();
    checkIdle();
  }

  /**
   * A worker is gone or given up on. The request it was evaluating is the culprit (it evaluates
   * one at a time) and fails with `reason`, except after a crash beside other requests: their
   * inputs took some of its memory too, so it runs once more, alone, before it is blamed. The
   * requests queued behind it go first to another worker.
   */
  function retire(worker: Worker, reason: string, crashed: boolean): void {
    clearTimeout(worker.deadline);
    const [culprit, ...innocent] = worker.inFlight.splice(0);
    worker.inFlightBytes = 0;
    if (culprit === undefined) return;
    const retryAlone = crashed && innocent.length > 0 && culprit.alone !== true;
    const again = retryAlone ? [{ ...culprit, alone: true }, ...innocent] : innocent;
    if (running) queue.unshift(...again);
    else for (const pending of again) pending.reject(new Error('The transform pool closed before this evaluation ended.'));
    if (!retryAlone) culprit.reject(new TransformError(reason));
  }

  function overrun(worker: Worker): void {
    if (worker.killed || worker.inFlight.length === 0) return;
    worker.killed = true;
    worker.child.kill('SIGKILL');
    const reason = `The ${worker.inFlight[0]!.kind} ran longer than ${limits.timeoutMs} ms and was stopped.`;
    log?.warn({ reason }, 'transform worker killed at its deadline; a new one replaces it');
    retire(worker, reason, false);
    dispatch();
    checkIdle();
  }

  /** Why a worker died while evaluating, for the delivery's record. */
  function reasonFor(worker: Worker, code: number | null, signal: NodeJS.Signals | null): string {
    const kind = worker.inFlight[0]!.kind;
    if (/heap out of memory|allocation failed/i.test(worker.stderr)) {
      return `The ${kind} needed more than ${maxMemoryMb} MB of memory and was stopped.`;
    }
    return `The ${kind}'s worker process ended (${signal ?? `exit code ${code}`}).`;
  }

  function onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    workers.delete(worker);
    if (worker.inFlight.length > 0) {
      const reason = reasonFor(worker, code, signal);
      log?.warn({ reason, stderr: worker.stderr.slice(-1_000) }, 'transform worker died while evaluating; a new one replaces it');
      retire(worker, reason, true);
    }
    if (!worker.ready && !worker.killed && running) {
      bootFailure = `The transform workers cannot start (${signal ?? `exit code ${code}`}): ${worker.stderr.trim().split('\n').slice(-3).join(' ')}`;
      log?.error({ reason: bootFailure }, 'transform worker could not start');
      for (const pending of queue.splice(0)) pending.reject(new Error(bootFailure));
      setTimeout(replenish, RESTART_BACKOFF_MS).unref();
    } else {
      replenish();
      dispatch();
    }
    checkIdle();
  }

  function replenish(): void {
    while (running && workers.size < size) spawn();
  }

  /** Whether `worker` can take `next` now: within its depth and input budget; a lone request only into an empty worker, and nothing beside one. */
  function canTake(worker: Worker, next: Pending): boolean {
    if (!worker.ready || worker.killed || !worker.child.connected) return false;
    const queued = worker.inFlight.length;
    if (queued === 0) return true;
    if (next.alone === true || worker.inFlight[0]!.alone === true) return false;
    return queued < PIPELINE_DEPTH && worker.inFlightBytes + next.bytes <= maxQueuedBytes;
  }

  /** Hands queued requests, in order, to the least loaded workers that can take them. */
  function dispatch(): void {
    while (queue.length > 0) {
      const next = queue[0]!;
      let target: Worker | undefined;
      for (const worker of workers) {
        if (canTake(worker, next) && (target === undefined || worker.inFlight.length < target.inFlight.length)) target = worker;
      }
      if (target === undefined) return;
      queue.shift();
      target.inFlight.push(next);
      target.inFlightBytes += next.bytes;
      if (target.inFlight.length === 1) armDeadline(target);
      holdLoop(target);
      target.child.send(next.request);
    }
  }

  /** Queues one evaluation of `input` (sent as JSON text) and hands it to a worker as soon as one can take it. */
  function submit(kind: Pending['kind'], request: (id: number, input: string) => TransformRequest, input: unknown): Promise<string> {
    if (!running) return Promise.reject(new Error('The transform pool is not running.'));
    if (bootFailure !== undefined && ![...workers].some((worker) => worker.ready)) return Promise.reject(new Error(bootFailure));
    replenish();
    const json = JSON.stringify(input) ?? 'null';
    return new Promise<string>((resolve, reject) => {
      queue.push({ request: request(++nextId, json), kind, bytes: json.length, resolve, reject });
      dispatch();
    });
  }

  function checkIdle(): void {
    if (idle !== undefined && [...workers].every((worker) => worker.inFlight.length === 0)) idle();
  }

  return {
    async start() {
      running = true;
    },

    run(expression, input) {
      return submit('transform', (id, json) => ({ id, expression, input: json }), input);
    },

    async match(filter, input) {
      const text = JSON.stringify(filter);
      return (await submit('filter', (id, json) => ({ id, filter: text, input: json }), input)) === 'true';
    },

    async close() {
      running = false;
      for (const pending of queue.splice(0)) pending.reject(new Error('The transform pool closed before this evaluation started.'));
      if ([...workers].some((worker) => worker.inFlight.length > 0)) {
        await new Promise<void>((resolve) => (idle = resolve));
        idle = undefined;
      }
      const exits = [...workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
            worker.child.once('exit', () => resolve());
            worker.child.kill('SIGKILL');
          }),
      );
      await Promise.all(exits);
    },
  };
}
