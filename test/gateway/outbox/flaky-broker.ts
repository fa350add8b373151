import type { MessageBroker } from '../../../queue/ports/message-broker.js';
import { UnavailableError } from '../../../shared/errors/index.js';

/** How the broker answers publishes: normally, refusing at once, or never (until it comes back). */
export type BrokerState = 'up' | 'refusing' | 'hanging';

export interface FlakyBroker extends MessageBroker {
  state: BrokerState;
  /** Publishes that reached the real broker. */
  readonly published: number;
  /** Brings it back: publishes go through again, and the ones left hanging reject, as a dropped connection's would. */
  restore(): void;
}

/**
 * A real broker that can be taken down for publishing: what the gateway sees while RabbitMQ or
 * the embedded queue is unreachable. Consuming goes on untouched, so a processor behind it keeps
 * working.
 */
export function flakyBroker(real: MessageBroker): FlakyBroker {
  const hanging: ((error: Error) => void)[] = [];
  let published = 0;
  const broker: FlakyBroker = {
    start: () => real.start(),
    consume: (queue, handler, options) => real.consume(queue, handler, options),
    depth: (queue) => real.depth(queue),
    consumerLag: (queue) => real.consumerLag(queue),
    deadLetters: (queue, limit) => real.deadLetters(queue, limit),
    announce: (notice) => real.announce(notice),
    listen: (handler) => real.listen(handler),
    ping: async () => broker.state === 'up' && (await real.ping()),
    close: () => real.close(),
    state: 'up',
    get published() {
      return published;
    },
    async publish(queue, body, options) {
      if (broker.state === 'refusing') throw new UnavailableError('The broker is down (test).');
      if (broker.state === 'hanging') return new Promise<void>((_, reject) => hanging.push(reject));
      await real.publish(queue, body, options);
      published += 1;
    },
    restore() {
      broker.state = 'up';
      for (const reject of hanging.splice(0)) reject(new UnavailableError('The connection to the broker was lost (test).'));
    },
  };
  return broker;
}
