import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { UnavailableError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logger.js';
import { toUnavailable } from './broker-errors.js';

/** One open AMQP connection, as the publisher and consumers see it. */
export interface LiveConnection {
  /**
   * Opens a channel; its errors are logged here (an unheard channel error would take the
   * connection down). `quiet` logs them at debug level, for channels whose errors are expected
   * (a passive check of a queue that may be gone).
   */
  openChannel(options?: { quiet?: boolean }): Promise<Channel>;
  openConfirmChannel(): Promise<ConfirmChannel>;
  /** The broker has blocked publishers (a memory or disk alarm). */
  readonly blocked: boolean;
  /** False once this connection has closed, for good. */
  readonly open: boolean;
}

export interface ConnectionManagerOptions {
  url: string;
  /** The client-provided connection name the broker shows (and `rabbitmqctl` can target). */
  connectionName: string;
  logger: Logger;
  connectTimeoutMs: number;
  heartbeatSeconds: number;
  reconnectBackoffMs: (attempt: number) => number;
  /**
   * Sets up a fresh connection (topology, publisher channel, consumers). A rejection drops the
   * connection and counts as a failed attempt.
   */
  onConnected(connection: LiveConnection): Promise<void>;
}

export interface ConnectionManager {
  /** Opens the first connection; rejects with `UnavailableError` when the broker cannot be reached. */
  start(): Promise<void>;
  /** The connection in use, if there is one. */
  current(): LiveConnection | undefined;
  /** Drops the connection in use (a channel it needs has failed) so that it is rebuilt after a back-off. */
  reset(reason: string): void;
  /** Closes the connection; no reconnect after this. */
  close(): Promise<void>;
}

interface Connection extends LiveConnection {
  readonly model: ChannelModel;
  blocked: boolean;
  open: boolean;
}

/** Adds a heartbeat to the URL unless it names one: without it a dead TCP peer goes unnoticed. */
function withHeartbeat(url: string, seconds: number): string {
  try {
    const parsed = new URL(url);
    if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
    return parsed.toString();
  } catch {
    return url;
  }
}

async function closeQuietly(model: ChannelModel): Promise<void> {
  try {
    await model.close();
  } catch {
    // Already closed or closing: the outcome we want.
  }
}

/**
 * Owns the AMQP connection: opens it, rebuilds it after it drops (back-off per attempt) and
 * hands each new connection to `onConnected`, until `close()`.
 */
export function createConnectionManager(options: ConnectionManagerOptions): ConnectionManager {
  const log = options.logger;
  let state: 'idle' | 'running' | 'closed' = 'idle';
  let live: Connection | undefined;
  let connecting: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let attempts = 0;

  function watch(connection: Connection): void {
    const { model } = connection;
    model.on('error', (error: unknown) => log.warn({ err: error }, 'RabbitMQ connection error'));
    model.on('blocked', (reason: unknown) => {
      connection.blocked = true;
      log.warn({ reason }, 'RabbitMQ blocked publishers');
    });
    model.on('unblocked', () => {
      connection.blocked = false;
      log.info('RabbitMQ unblocked publishers');
    });
    model.on('close', () => {
      connection.open = false;
      if (live !== connection) return;
      live = undefined;
      if (state === 'running') {
        log.warn('RabbitMQ connection lost; reconnecting');
        scheduleReconnect();
      }
    });
  }

  function wrap(model: ChannelModel): Connection {
    const onChannelError = (error: unknown): void => log.warn({ err: error }, 'RabbitMQ channel error');
    const onExpectedError = (error: unknown): void => log.debug({ err: error }, 'RabbitMQ channel closed by the broker');
    return {
      model,
      blocked: false,
      open: true,
      async openChannel(channelOptions) {
        const channel = await model.createChannel();
        channel.on('error', channelOptions?.quiet ? onExpectedError : onChannelError);
        return channel;
      },
      async openConfirmChannel() {
        const channel = await model.createConfirmChannel();
        channel.on('error', onChannelError);
        return channel;
      },
    };
  }

  async function connectOnce(): Promise<void> {
    const model = await amqp.connect(withHeartbeat(options.url, options.heartbeatSeconds), {
      clientProperties: { connection_name: options.connectionName },
      timeout: options.connectTimeoutMs,
    });
    const connection = wrap(model);
    watch(connection);
    try {
      await options.onConnected(connection);
    } catch (error) {
      await closeQuietly(model);
      throw error;
    }
    if (!connection.open || state !== 'running') {
      await closeQuietly(model);
      throw new UnavailableError('RabbitMQ: the connection closed while it was being set up.');
    }
    live = connection;
    attempts = 0;
    log.info({ connectionName: options.connectionName }, 'RabbitMQ connected');
  }

  function scheduleReconnect(): void {
    if (state !== 'running' || retryTimer || connecting) return;
    attempts += 1;
    const delayMs = Math.max(0, options.reconnectBackoffMs(attempts));
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connecting = connectOnce()
        .catch((error: unknown) => log.warn({ err: error, attempt: attempts }, 'RabbitMQ reconnect failed'))
        .finally(() => {
          connecting = undefined;
          if (!live) scheduleReconnect();
        });
    }, delayMs);
  }

  return {
    async start() {
      if (state === 'closed') throw new UnavailableError('RabbitMQ: the broker was closed.');
      if (state === 'running') return;
      state = 'running';
      try {
        await connectOnce();
      } catch (error) {
        state = 'idle';
        throw toUnavailable('cannot connect', error);
      }
    },
    current() {
      return live?.open ? live : undefined;
    },
    reset(reason) {
      const connection = live;
      if (!connection || state !== 'running') return;
      log.warn({ reason }, 'RabbitMQ connection reset');
      void closeQuietly(connection.model);
    },
    async close() {
      state = 'closed';
      clearTimeout(retryTimer);
      retryTimer = undefined;
      await connecting;
      const connection = live;
      live = undefined;
      if (connection) await closeQuietly(connection.model);
    },
  };
}
