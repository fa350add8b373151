import type { ConfirmChannel, Message } from 'amqplib';
import { UnavailableError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logger.js';
import { QUEUE_NAMES, type QueueName } from '../../messages.js';
import { toUnavailable } from './broker-errors.js';
import type { LiveConnection } from './connection-manager.js';
import { HEADERS, headersFor, type OutgoingMessage } from './message-headers.js';
import {
  WAIT_QUEUE_REDECLARE_MS,
  waitBucketMs,
  waitQueueArguments,
  type BrokerNames,
  type Route,
} from './topology.js';

export interface PublisherOptions {
  names: BrokerNames;
  logger: Logger;
  /** How long to wait for the broker's confirm before giving up on a publish. */
  publishTimeoutMs: number;
  /** Called when the publisher's channel fails on a live connection: the connection is rebuilt. */
  onChannelFailed(reason: string): void;
}

/** Sends messages on one confirm channel per connection; every send resolves on the broker's confirm. */
export interface Publisher {
  /** Opens the confirm channel on a new connection. */
  attach(connection: LiveConnection): Promise<void>;
  /** True when a publish can be attempted now. */
  ready(): boolean;
  /** Sends to an exchange (or the default exchange) and resolves once the broker confirms. */
  send(route: Route, message: OutgoingMessage): Promise<void>;
  /** Sends to the queue's wait queue, whence it reaches the main queue after `delayMs`. */
  park(queue: QueueName, message: OutgoingMessage, delayMs: number): Promise<void>;
  /** The wait queues this process has declared for `queue` (that may still hold messages). */
  knownWaitQueues(queue: QueueName): string[];
  /** Forgets a wait queue the broker no longer has (it expired). */
  forgetWaitQueue(queue: QueueName, name: string): void;
  /** Refuses further sends and closes the channel. */
  close(): Promise<void>;
}

interface ChannelState {
  channel: ConfirmChannel;
  connection: LiveConnection;
  open: boolean;
  sequence: number;
  /** Publish tags the broker returned as unroutable; their confirm then fails the publish. */
  returned: Set<string>;
  /** When each wait queue was last declared on this channel, and that declaration. */
  declared: Map<string, { at: number; done: Promise<void> }>;
}

/**
 * The confirm-channel publisher. Messages are persistent and `mandatory`, so a message no queue
 * takes comes back (`basic.return`) before its confirm and the publish fails instead of
 * vanishing. Without a channel it fails at once: a caller never waits on a broker that is away.
 */
export function createPublisher(options: PublisherOptions): Publisher {
  const { names, logger: log } = options;
  let current: ChannelState | undefined;
  let closed = false;
  const known = new Map<QueueName, Set<string>>(QUEUE_NAMES.map((queue) => [queue, new Set<string>()]));

  function usable(): ChannelState {
    if (closed) throw new UnavailableError('RabbitMQ: the broker was closed; the message was not published.');
    const state = current;
    if (!state?.open || !state.connection.open) {
      throw new UnavailableError('RabbitMQ: not connected; the message was not published.');
    }
    if (state.connection.blocked) {
      throw new UnavailableError('RabbitMQ: the broker is blocking publishers (resource alarm); the message was not published.');
    }
    return state;
  }

  function confirmOne(state: ChannelState, route: Route, message: OutgoingMessage, expirationMs?: number): Promise<void> {
    state.sequence += 1;
    const tag = String(state.sequence);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        state.returned.delete(tag);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(new UnavailableError(`RabbitMQ: no publish confirm within ${options.publishTimeoutMs} ms.`)),
        options.publishTimeoutMs,
      );
      try {
        state.channel.publish(
          route.exchange,
          route.routingKey,
          message.content,
          {
            persistent: route.broadcast !== true,
            mandatory: route.broadcast !== true,
            messageId: message.messageId,
            contentType: 'application/json',
            timestamp: Math.floor(Date.now() / 1000),
            headers: { ...headersFor(message), [HEADERS.publishTag]: tag },
            ...(expirationMs !== undefined ? { expiration: String(expirationMs) } : {}),
          },
          (error: unknown) => {
            if (error) settle(toUnavailable('the broker refused the message', error));
            else if (state.returned.has(tag)) {
              settle(new UnavailableError(`RabbitMQ: no queue took the message (exchange '${route.exchange}', routing key '${route.routingKey}').`));
            } else settle();
          },
        );
      } catch (error) {
        settle(toUnavailable('publish failed', error));
      }
    });
  }

  function declareWaitQueue(state: ChannelState, queue: QueueName, bucketMs: number): Promise<void> {
    const topology = names.queues[queue];
    const name = topology.waitQueue(bucketMs);
    const previous = state.declared.get(name);
    if (previous && Date.now() - previous.at < WAIT_QUEUE_REDECLARE_MS) return previous.done;
    const done = state.channel
      .assertQueue(name, { durable: true, arguments: waitQueueArguments(topology, bucketMs) })
      .then(() => {
        known.get(queue)?.add(name);
      })
      .catch((error: unknown) => {
        state.declared.delete(name);
        throw toUnavailable(`cannot declare wait queue ${name}`, error);
      });
    state.declared.set(name, { at: Date.now(), done });
    return done;
  }

  return {
    async attach(connection) {
      const channel = await connection.openConfirmChannel();
      const state: ChannelState = { channel, connection, open: true, sequence: 0, returned: new Set(), declared: new Map() };
      channel.on('return', (returned: Message) => {
        const tag = (returned.properties.headers as Record<string, unknown> | undefined)?.[HEADERS.publishTag];
        if (typeof tag === 'string') state.returned.add(tag);
      });
      channel.on('close', () => {
        state.open = false;
        if (current !== state) return;
        current = undefined;
        // A dropped connection closes its channels first; only a channel that failed alone needs a reset.
        setImmediate(() => {
          if (connection.open && !closed) options.onChannelFailed('publisher channel closed');
        });
      });
      current = state;
    },
    ready() {
      return !closed && Boolean(current?.open && current.connection.open);
    },
    async send(route, message) {
      await confirmOne(usable(), route, message);
    },
    async park(queue, message, delayMs) {
      const state = usable();
      const bucketMs = waitBucketMs(delayMs);
      await declareWaitQueue(state, queue, bucketMs);
      const waitQueue = names.queues[queue].waitQueue(bucketMs);
      await confirmOne(state, { exchange: '', routingKey: waitQueue }, message, Math.min(Math.max(0, Math.ceil(delayMs)), bucketMs));
    },
    knownWaitQueues(queue) {
      return [...(known.get(queue) ?? [])];
    },
    forgetWaitQueue(queue, name) {
      known.get(queue)?.delete(name);
    },
    async close() {
      closed = true;
      const state = current;
      current = undefined;
      if (!state?.open) return;
      try {
        await state.channel.close();
      } catch (error) {
        log.debug({ err: error }, 'RabbitMQ publisher channel was already closed');
      }
    },
  };
}
