import type { Channel } from 'amqplib';
import type { Logger } from '../../../shared/logger.js';
import type { SubscriptionChangedNotice } from '../../messages.js';
import type { LiveConnection } from './connection-manager.js';

/** A listener that survives reconnects: it binds a fresh queue of its own on every new connection until stopped. */
export interface NoticeListener {
  subscribe(connection: LiveConnection): Promise<void>;
  /** Bound and consuming on a live channel. */
  isConsuming(): boolean;
  stop(): Promise<void>;
}

/**
 * Receives the notices of the `<prefix>.notices` fanout exchange through an exclusive,
 * server-named queue that the broker deletes when this process goes: notices are for those
 * listening now, so nothing is kept for a process that is away. No acks: a notice lost in a
 * dropped connection only leaves a cache to expire on its own.
 */
export function createNoticeListener(options: {
  exchange: string;
  handler: (notice: SubscriptionChangedNotice) => void;
  logger: Logger;
}): NoticeListener {
  let channel: Channel | undefined;
  let stopped = false;

  return {
    async subscribe(connection) {
      if (stopped || (channel !== undefined && connection.open)) return;
      const opened = await connection.openChannel();
      const { queue } = await opened.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await opened.bindQueue(queue, options.exchange, '');
      await opened.consume(
        queue,
        (message) => {
          if (message === null) return;
          try {
            options.handler(JSON.parse(message.content.toString('utf8')) as SubscriptionChangedNotice);
          } catch (error) {
            options.logger.warn({ err: error }, 'Could not read a notice; ignored');
          }
        },
        { noAck: true },
      );
      opened.on('close', () => {
        if (channel === opened) channel = undefined;
      });
      channel = opened;
    },
    isConsuming() {
      return !stopped && channel !== undefined;
    },
    async stop() {
      stopped = true;
      await channel?.close().catch(() => undefined);
      channel = undefined;
    },
  };
}
