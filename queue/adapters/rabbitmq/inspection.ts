import type { Channel, GetMessage } from 'amqplib';
import { UnavailableError } from '../../../shared/errors/index.js';
import type { QueueName } from '../../messages.js';
import type { DeadLetter } from '../../ports/message-broker.js';
import { AMQP_NOT_FOUND, amqpCodeOf, toUnavailable } from './broker-errors.js';
import type { LiveConnection } from './connection-manager.js';
import type { ConsumerLagTracker } from './consumer-lag.js';
import { deadInfoOf } from './message-headers.js';
import type { Publisher } from './publisher.js';
import type { BrokerNames } from './topology.js';

export interface InspectionOptions {
  names: BrokerNames;
  publisher: Publisher;
  lag: ConsumerLagTracker;
  current(): LiveConnection | undefined;
}

/** Reads queue depths, consumer lag and dead letters, each on short-lived channels of its own. */
export interface Inspection {
  depth(queue: QueueName): Promise<number>;
  consumerLag(queue: QueueName): Promise<number | undefined>;
  deadLetters(queue: QueueName, limit: number): Promise<DeadLetter<unknown>[]>;
}

async function closeQuietly(channel: Channel): Promise<void> {
  try {
    await channel.close();
  } catch {
    // A channel the broker closed (404) is already gone.
  }
}

function bodyOf(message: GetMessage): unknown {
  const text = message.content.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createInspection(options: InspectionOptions): Inspection {
  const { names, publisher } = options;

  function connection(): LiveConnection {
    const live = options.current();
    if (!live) throw new UnavailableError('RabbitMQ: not connected.');
    return live;
  }

  return {
    /**
     * Ready messages in the main queue plus those waiting in the wait queues this process has
     * declared. A wait queue that has expired (404) closes the channel; it is forgotten and
     * the count goes on on a fresh channel.
     */
    async depth(queue) {
      const live = connection();
      const topology = names.queues[queue];
      let channel = await live.openChannel({ quiet: true }).catch((error: unknown) => {
        throw toUnavailable('cannot open a channel', error);
      });
      try {
        let total = (await channel.checkQueue(topology.main)).messageCount;
        for (const waitQueue of publisher.knownWaitQueues(queue)) {
          try {
            total += (await channel.checkQueue(waitQueue)).messageCount;
          } catch (error) {
            if (amqpCodeOf(error) !== AMQP_NOT_FOUND) throw error;
            publisher.forgetWaitQueue(queue, waitQueue);
            channel = await live.openChannel({ quiet: true });
          }
        }
        return total;
      } catch (error) {
        throw toUnavailable(`cannot read the depth of ${topology.main}`, error);
      } finally {
        await closeQuietly(channel);
      }
    },

    /** The main queue's ready and consumer counts, read passively (nothing is taken), into the lag tracker's estimate. */
    async consumerLag(queue) {
      const live = connection();
      const main = names.queues[queue].main;
      const channel = await live.openChannel({ quiet: true }).catch((error: unknown) => {
        throw toUnavailable('cannot open a channel', error);
      });
      try {
        const { messageCount, consumerCount } = await channel.checkQueue(main);
        return options.lag.lagSeconds(queue, { ready: messageCount, consumers: consumerCount }, Date.now());
      } catch (error) {
        throw toUnavailable(`cannot read the consumer lag of ${main}`, error);
      } finally {
        await closeQuietly(channel);
      }
    },

    /**
     * Browses the dead queue: takes up to `limit` messages unacked, then requeues them all at
     * once, so nothing is lost and the next read sees them again. Each browse bumps the quorum
     * queue's own delivery count of those messages, which nothing here reads.
     */
    async deadLetters(queue, limit) {
      const live = connection();
      const dead = names.queues[queue].dead;
      const channel = await live.openChannel({ quiet: true }).catch((error: unknown) => {
        throw toUnavailable('cannot open a channel', error);
      });
      try {
        const letters: DeadLetter<unknown>[] = [];
        let last: GetMessage | undefined;
        while (letters.length < limit) {
          const message = await channel.get(dead, { noAck: false });
          if (message === false) break;
          last = message;
          const { reason, deadAt } = deadInfoOf(message.properties);
          letters.push({ id: String(message.properties.messageId ?? ''), body: bodyOf(message), reason, deadAt });
        }
        if (last) channel.nack(last, true, true);
        return letters;
      } catch (error) {
        throw toUnavailable(`cannot read dead letters of ${dead}`, error);
      } finally {
        await closeQuietly(channel);
      }
    },
  };
}
