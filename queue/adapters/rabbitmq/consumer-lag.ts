import { QUEUE_NAMES, type QueueName } from '../../messages.js';

/** What the broker says of a main queue (`queue.declare` passive): ready messages and consumers, on any connection. */
export interface QueueCounts {
  ready: number;
  consumers: number;
}

/**
 * Estimates a queue's consumer lag for this process. AMQP shows no age of a queue's head
 * without taking the message (which a quorum queue counts as a delivery), so:
 *
 * - No ready message: 0.
 * - Consumers of this process take from the queue: the age of their position in it, i.e. the
 *   seconds since the latest-due message they started handling became due. In a FIFO queue
 *   every ready message became due after that one, so this is an upper bound of the oldest
 *   ready message's wait, and exact while consumers are behind (ready messages wait because
 *   every consumer is busy). It can overstate by as long as a handler takes, when the queue
 *   ran empty and refilled while every handler was busy.
 * - No consumer on the queue at all: nothing leaves it, so its head stays the same message;
 *   the seconds since this process first read it non-empty and unconsumed (reset when it
 *   shrinks). A lower bound that grows by one second per second, as the true wait does.
 * - Otherwise (only other processes consume it) `undefined`: their own readings say.
 */
export interface ConsumerLagTracker {
  /** A consumer of this process subscribed to `queue` (until `consumerStopped`). */
  consumerStarted(queue: QueueName): void;
  /** One stopped; the last one to stop forgets the queue's position, which nobody here moves any more. */
  consumerStopped(queue: QueueName): void;
  /** A consumer of this process started handling a message of `queue` that became due at `dueAt` (epoch ms). */
  taken(queue: QueueName, dueAt: number): void;
  /** The lag in seconds, from the broker's counts read now. */
  lagSeconds(queue: QueueName, counts: QueueCounts, now: number): number | undefined;
}

interface QueueState {
  consumers: number;
  /** Due time of the latest-due message taken here. */
  position?: number;
  /** While the queue has ready messages and no consumer: since when, and the count then. */
  stalled?: { since: number; ready: number };
}

export function createConsumerLagTracker(): ConsumerLagTracker {
  const states = new Map<QueueName, QueueState>(QUEUE_NAMES.map((queue) => [queue, { consumers: 0 }]));
  const stateOf = (queue: QueueName): QueueState => states.get(queue) as QueueState;

  return {
    consumerStarted(queue) {
      stateOf(queue).consumers += 1;
    },
    consumerStopped(queue) {
      const state = stateOf(queue);
      state.consumers = Math.max(0, state.consumers - 1);
      if (state.consumers === 0) delete state.position;
    },
    taken(queue, dueAt) {
      const state = stateOf(queue);
      // A redelivered message is older than the position: the position does not go back.
      state.position = Math.max(state.position ?? dueAt, dueAt);
    },
    lagSeconds(queue, counts, now) {
      const state = stateOf(queue);
      if (counts.ready === 0 || counts.consumers > 0) delete state.stalled;
      if (counts.ready === 0) return 0;
      if (counts.consumers === 0) {
        if (state.stalled === undefined || counts.ready < state.stalled.ready) state.stalled = { since: now, ready: counts.ready };
        else state.stalled.ready = counts.ready;
        return (now - state.stalled.since) / 1000;
      }
      if (state.consumers > 0 && state.position !== undefined) return Math.max(0, now - state.position) / 1000;
      return undefined;
    },
  };
}
