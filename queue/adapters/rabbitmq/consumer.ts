import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../../shared/logger.js';
import type { Consumer } from '../../ports/message-broker.js';
import type { LiveConnection } from './connection-manager.js';
import type { Settlement } from './message-processor.js';

export interface QueueConsumerOptions {
  /** The main queue's name on the broker. */
  queueName: string;
  /** Handlers running at once. */
  concurrency: number;
  /** Messages the broker hands out ahead (at least `concurrency`). */
  prefetch: number;
  /** Processes one message; settles nothing itself. */
  process(message: ConsumeMessage): Promise<Settlement>;
  logger: Logger;
  /** How long `stop()` waits for handlers in hand before closing the channel anyway. */
  stopTimeoutMs: number;
  /** After a failed republish, wait this long before requeueing so a broker in trouble is not spun on. */
  requeuePauseMs: number;
  /** The consumer's channel failed on a live connection: the connection is rebuilt. */
  onChannelFailed(reason: string): void;
  /** Called once `stop()` has finished. */
  onStopped(): void;
}

/** A consumer that survives reconnects: it subscribes again on every new connection until stopped. */
export interface QueueConsumer extends Consumer {
  /** Not stopped (it may be between connections: see `isConsuming`). */
  readonly active: boolean;
  /** Subscribes on `connection` unless already subscribed on a live channel or stopped. */
  subscribe(connection: LiveConnection): Promise<void>;
}

/** One subscription: a channel of its own, so its prefetch and its fate are its own. */
interface Subscription {
  channel: Channel;
  open: boolean;
  consumerTag?: string;
}

interface Pending {
  subscription: Subscription;
  message: ConsumeMessage;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Takes messages from one queue with manual acks. A delivery is settled on the channel it came
 * on, and only while that channel is open: after a dropped connection the broker redelivers it,
 * and acking it on another channel would settle a different message.
 */
export function createQueueConsumer(options: QueueConsumerOptions): QueueConsumer {
  const log = options.logger;
  let active = true;
  let subscription: Subscription | undefined;
  let subscribing: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let running = 0;
  const waiting: Pending[] = [];
  const inFlight = new Set<Promise<void>>();

  function settle(target: Subscription, message: ConsumeMessage, how: Settlement): void {
    if (!target.open) {
      log.debug('The channel closed before the message was settled; the broker redelivers it');
      return;
    }
    try {
      if (how === 'ack') target.channel.ack(message);
      else target.channel.nack(message, false, true);
    } catch (error) {
      log.debug({ err: error }, 'Could not settle a message; the broker redelivers it');
    }
  }

  async function handle(target: Subscription, message: ConsumeMessage): Promise<void> {
    let how: Settlement = 'requeue';
    try {
      how = await options.process(message);
    } catch (error) {
      log.error({ err: error }, 'Processing a message failed unexpectedly; it goes back to the queue');
    }
    if (how === 'requeue' && target.open && active) await sleep(options.requeuePauseMs);
    settle(target, message, how);
  }

  function start(pending: Pending): void {
    running += 1;
    const work = handle(pending.subscription, pending.message).finally(() => {
      running -= 1;
      inFlight.delete(work);
      drain();
    });
    inFlight.add(work);
  }

  function drain(): void {
    while (running < options.concurrency && waiting.length > 0) {
      const next = waiting.shift() as Pending;
      if (!next.subscription.open) continue;
      if (!active) settle(next.subscription, next.message, 'requeue');
      else start(next);
    }
  }

  function onDelivery(target: Subscription, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us: the queue was deleted. Rebuilding re-declares it.
      log.warn({ queue: options.queueName }, 'RabbitMQ cancelled the consumer');
      if (active) options.onChannelFailed(`consumer of ${options.queueName} cancelled by the broker`);
      return;
    }
    if (!active) {
      settle(target, message, 'requeue');
      return;
    }
    waiting.push({ subscription: target, message });
    drain();
  }

  async function openSubscription(connection: LiveConnection): Promise<void> {
    const channel = await connection.openChannel();
    const target: Subscription = { channel, open: true };
    channel.on('close', () => {
      target.open = false;
      if (subscription !== target) return;
      subscription = undefined;
      // A dropped connection closes its channels first; only a channel that failed alone needs a reset.
      setImmediate(() => {
        if (active && connection.open) options.onChannelFailed(`consumer channel of ${options.queueName} closed`);
      });
    });
    subscription = target;
    await channel.prefetch(options.prefetch, false);
    const reply = await channel.consume(options.queueName, (message) => onDelivery(target, message), { noAck: false });
    target.consumerTag = reply.consumerTag;
    if (!active) await cancel(target);
  }

  async function cancel(target: Subscription | undefined): Promise<void> {
    if (!target?.open || target.consumerTag === undefined) return;
    try {
      await target.channel.cancel(target.consumerTag);
    } catch (error) {
      log.debug({ err: error }, 'Could not cancel the consumer; its channel is closing');
    }
  }

  async function settleInFlight(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.stopTimeoutMs);
    });
    const outcome = await Promise.race([Promise.allSettled([...inFlight]).then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      log.warn({ queue: options.queueName, inFlight: inFlight.size }, 'Handlers still running at stop; their messages will be redelivered');
    }
  }

  return {
    get active() {
      return active;
    },
    isConsuming() {
      return active && subscription?.open === true && subscription.consumerTag !== undefined;
    },
    async subscribe(connection) {
      if (!active || !connection.open) return;
      if (subscribing) return subscribing;
      if (subscription?.open) return;
      subscribing = openSubscription(connection).finally(() => {
        subscribing = undefined;
      });
      return subscribing;
    },
    stop() {
      if (stopping) return stopping;
      active = false;
      stopping = (async () => {
        await subscribing?.catch(() => undefined);
        const target = subscription;
        await cancel(target);
        for (const pending of waiting.splice(0)) settle(pending.subscription, pending.message, 'requeue');
        await settleInFlight();
        subscription = undefined;
        if (target?.open) {
          try {
            await target.channel.close();
          } catch (error) {
            log.debug({ err: error }, 'The consumer channel was already closed');
          }
        }
        options.onStopped();
      })();
      return stopping;
    },
  };
}
