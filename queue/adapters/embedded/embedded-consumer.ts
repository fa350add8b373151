import { UnrecoverableError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logger.js';
import type { Consumer, MessageHandler } from '../../ports/message-broker.js';
import type { QueuedRow, QueueFile } from './queue-file.js';

export interface EmbeddedConsumerOptions {
  queue: string;
  file: QueueFile;
  handler: MessageHandler<unknown>;
  concurrency: number;
  maxDeliveries: number;
  redeliveryBackoffMs: (deliveryCount: number) => number;
  stopTimeoutMs: number;
  logger: Logger;
}

/** Nothing due and nothing published: look again after this long anyway, in case a wake-up was missed. */
const IDLE_POLL_MS = 1_000;
/** After the file refused a read, wait this long before trying again. */
const FAILURE_PAUSE_MS = 1_000;
const MAX_REASON_LENGTH = 1_000;

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text;
}

/**
 * Hands one queue's due messages to a handler, at most `concurrency` at a time, and settles
 * each by its outcome: acknowledged (deleted), redelivered after a back-off, or dead-lettered.
 * It runs when woken (a publish to its queue, a handler settling) and otherwise sleeps until
 * the next delayed message is due.
 */
export class EmbeddedConsumer implements Consumer {
  readonly #options: EmbeddedConsumerOptions;
  readonly #inHand = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #wakeScheduled = false;
  #stopped = false;

  constructor(options: EmbeddedConsumerOptions) {
    this.#options = options;
  }

  /**
   * Looks for due messages once the current burst of work is done: many publishes or settled
   * handlers in one turn of the event loop then cost one read of the queue, not one each.
   */
  wake(): void {
    if (this.#wakeScheduled || this.#stopped) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const { file, queue, concurrency } = this.#options;
    const free = concurrency - this.#inHand.size;
    if (free > 0) {
      let rows: QueuedRow[];
      try {
        rows = file.claim(queue, Date.now(), free);
      } catch (error) {
        this.#options.logger.warn({ err: error }, 'Could not read the embedded queue; trying again shortly');
        this.#sleep(FAILURE_PAUSE_MS);
        return;
      }
      for (const row of rows) this.#hand(row);
    }
    if (this.#inHand.size < concurrency) this.#sleepUntilDue();
  }

  /** The file is read in this process: a consumer takes messages until it is stopped or the file closes. */
  isConsuming(): boolean {
    return !this.#stopped && this.#options.file.isOpen;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.stopTimeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.#inHand]), timedOut]);
    clearTimeout(timer);
  }

  #sleepUntilDue(): void {
    let dueAt: number | undefined;
    try {
      dueAt = this.#options.file.nextDueAt(this.#options.queue);
    } catch {
      dueAt = undefined;
    }
    this.#sleep(dueAt === undefined ? IDLE_POLL_MS : Math.min(Math.max(0, dueAt - Date.now()), IDLE_POLL_MS));
  }

  #sleep(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), ms);
  }

  #hand(row: QueuedRow): void {
    const settled = this.#process(row)
      .catch((error: unknown) => {
        // The file refused the settlement (closed while stopping): the message stays in hand
        // in the file and is handed out again when the queue next opens.
        this.#options.logger.warn({ err: error, messageId: row.id }, 'Could not settle a message; it will be redelivered');
      })
      .finally(() => {
        this.#inHand.delete(settled);
        this.wake();
      });
    this.#inHand.add(settled);
  }

  async #process(row: QueuedRow): Promise<void> {
    const { file, handler, maxDeliveries } = this.#options;
    const log = this.#options.logger.child({ messageId: row.id, deliveryCount: row.delivery_count });
    const bury = (reason: string) => {
      log.warn({ reason }, 'Message dead-lettered');
      file.bury(row, reason, new Date().toISOString());
    };
    if (row.delivery_count > maxDeliveries) {
      return bury(`Handed out ${row.delivery_count} times without an outcome (crashes); maxDeliveries is ${maxDeliveries}.`);
    }
    let body: unknown;
    try {
      body = JSON.parse(row.body);
    } catch (error) {
      return bury(`The message body is not JSON: ${reasonOf(error)}`);
    }
    try {
      await handler({ id: row.id, body, deliveryCount: row.delivery_count });
    } catch (error) {
      if (error instanceof UnrecoverableError) return bury(reasonOf(error));
      if (row.delivery_count >= maxDeliveries) {
        return bury(`Failed ${row.delivery_count} deliveries (maxDeliveries ${maxDeliveries}); last: ${reasonOf(error)}`);
      }
      const delayMs = Math.max(0, this.#options.redeliveryBackoffMs(row.delivery_count));
      log.info({ err: error, delayMs }, 'Message handler failed; redelivering after a back-off');
      file.release(row.seq, Date.now() + delayMs);
      return;
    }
    file.acknowledge(row.seq);
  }
}
