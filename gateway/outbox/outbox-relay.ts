import { HookgateError, UnrecoverableError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logger.js';
import type { HookgateMetrics } from '../../shared/metrics.js';
import type { EventPublisher } from '../services/event-publisher.js';
import type { EventOutbox, OutboxEntry } from './event-outbox.js';
import { outboxMetrics } from './outbox-metrics.js';

export interface OutboxRelayOptions {
  outbox: EventOutbox;
  /** Stores the event and waits for the broker's confirmation (`createEventPublisher`). */
  publisher: Pick<EventPublisher, 'publish'>;
  logger: Logger;
  metrics: HookgateMetrics;
  /** Wait after the first failed publish; it doubles with each failure in a row. Default 250 ms. */
  retryDelayMs?: number;
  /** Longest wait between attempts while the platform stays unreachable. Default 10 s. */
  maxRetryDelayMs?: number;
  /** A publish still unsettled after this long counts as failed (it may yet land: the retry is deduplicated by its idempotency key). Default 15 s. */
  publishTimeoutMs?: number;
  /** Entries read from the outbox at a time. Default 100. */
  batchSize?: number;
}

export interface OutboxRelay {
  /** Starts relaying: whatever waits in the outbox now (from before a restart too), then each append. */
  start(): Promise<void>;
  /** Stops after the publish in hand settles (or times out); what is left stays in the outbox for the next start. */
  stop(): Promise<void>;
}

class PublishTimeout extends Error {
  constructor(ms: number) {
    super(`The publish did not settle within ${ms} ms.`);
    this.name = 'PublishTimeout';
  }
}

/** Refused for good: the platform will never take this event (its app is gone, it is invalid). Anything else may pass later. */
function isPermanent(error: unknown): boolean {
  if (error instanceof UnrecoverableError) return true;
  return error instanceof HookgateError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PublishTimeout(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Publishes the outbox's events in order, one at a time, each through the event publisher
 * (stored, then confirmed by the broker), and removes each once confirmed. When a publish fails
 * the entry stays where it is, the relay waits (250 ms doubling to 10 s by default) and tries
 * the same entry again, so order holds and nothing is skipped; an entry the platform refuses
 * for good (a 4xx such as an app that no longer exists) is parked instead, so it cannot block
 * the line, and kept for an operator. An entry may be published twice (a crash between the
 * confirmation and the removal, a timed-out publish that lands after all): events carry
 * idempotency keys, so the platform takes the second as the first. Sets
 * `hookgate_gateway_outbox_events` and counts `hookgate_gateway_outbox_relayed_total`.
 *
 * @example
 * const relay = createOutboxRelay({ outbox, publisher: createEventPublisher({ events: storage.events, broker, metrics, idempotencyWindowMs }), logger, metrics });
 * await relay.start();
 * // on shutdown, after the HTTP server closed:
 * await relay.stop();
 * await outbox.close();
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { outbox, publisher } = options;
  const log = options.logger.child({ component: 'outbox-relay' });
  const retryDelayMs = options.retryDelayMs ?? 250;
  const maxRetryDelayMs = Math.max(retryDelayMs, options.maxRetryDelayMs ?? 10_000);
  const publishTimeoutMs = options.publishTimeoutMs ?? 15_000;
  const batchSize = Math.max(1, options.batchSize ?? 100);
  const metrics = outboxMetrics(options.metrics.registry);

  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  /** An append arrived while a pass ran: look again when it ends. */
  let woken = false;
  let failuresInARow = 0;
  const unsubscribe: (() => void)[] = [];

  /** Publishes one entry; false when it failed and the relay must wait before trying it again. */
  async function relay(entry: OutboxEntry): Promise<boolean> {
    try {
      await withTimeout(publisher.publish(entry.event), publishTimeoutMs);
    } catch (error) {
      if (isPermanent(error)) {
        await outbox.park(entry.seq, reasonOf(error));
        metrics.relayed.inc({ outcome: 'parked' });
        log.error({ err: error, seq: entry.seq, type: entry.event.type, appId: entry.event.appId }, 'the platform refused an event from the outbox; it is parked there');
        return true;
      }
      failuresInARow += 1;
      metrics.relayed.inc({ outcome: 'failed' });
      log.warn({ err: error, seq: entry.seq, attempts: entry.attempts + 1, failuresInARow }, 'cannot publish from the outbox; the event stays there and is tried again');
      await outbox.recordFailure(entry.seq, reasonOf(error));
      return false;
    }
    await outbox.remove(entry.seq);
    metrics.relayed.inc({ outcome: 'published' });
    if (failuresInARow > 0) log.info({ failuresInARow }, 'publishing from the outbox again');
    failuresInARow = 0;
    return true;
  }

  /** Publishes until the outbox is empty (true) or a publish failed (false). */
  async function drain(): Promise<boolean> {
    while (!stopped) {
      const batch = await outbox.oldest(batchSize);
      if (batch.length === 0) return true;
      for (const entry of batch) {
        if (stopped) return true;
        if (!(await relay(entry))) return false;
      }
    }
    return true;
  }

  function backoff(): number {
    return Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.max(0, failuresInARow - 1));
  }

  function runPass(): void {
    timer = undefined;
    woken = false;
    pass = drain()
      .catch((error: unknown) => {
        // The outbox itself failed (disk trouble): wait as after a failed publish.
        failuresInARow += 1;
        log.error({ err: error }, 'cannot read or update the outbox; trying again later');
        return false;
      })
      .then((emptied) => {
        pass = undefined;
        if (stopped) return;
        if (!emptied) schedule(backoff());
        else if (woken) schedule(0);
      });
  }

  function schedule(ms: number): void {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(runPass, ms);
  }

  /** An append: publish it now, unless a pass is running (it will look again) or the relay is waiting out a failure. */
  function wake(): void {
    if (pass !== undefined) woken = true;
    else schedule(0);
  }

  return {
    async start() {
      if (started) return;
      started = true;
      unsubscribe.push(outbox.onAppend(wake), metrics.observe(outbox));
      schedule(0);
    },

    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      for (const undo of unsubscribe.splice(0)) undo();
      await pass;
    },
  };
}
