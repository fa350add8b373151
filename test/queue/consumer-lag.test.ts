import { describe, expect, it } from 'vitest';
import { createConsumerLagTracker } from '../../queue/adapters/rabbitmq/consumer-lag.js';

const T = 1_000_000;

describe('RabbitMQ consumer-lag estimate (what the broker counts, and what consumers here took)', () => {
  it('is 0 with nothing ready, however old the position', () => {
    const lag = createConsumerLagTracker();
    lag.consumerStarted('deliveries');
    lag.taken('deliveries', T);
    expect(lag.lagSeconds('deliveries', { ready: 0, consumers: 1 }, T + 60_000)).toBe(0);
  });

  it('while messages are ready, is the age of the latest-due message taken here; a redelivered older one does not move it back', () => {
    const lag = createConsumerLagTracker();
    lag.consumerStarted('deliveries');
    lag.taken('deliveries', T);
    lag.taken('deliveries', T + 4_000);
    lag.taken('deliveries', T - 30_000);
    expect(lag.lagSeconds('deliveries', { ready: 5, consumers: 2 }, T + 10_000)).toBe(6);
  });

  it('does not know when only other processes consume the queue, nor once its own consumers stopped', () => {
    const lag = createConsumerLagTracker();
    expect(lag.lagSeconds('events', { ready: 3, consumers: 2 }, T)).toBeUndefined();
    lag.consumerStarted('events');
    lag.taken('events', T);
    lag.consumerStopped('events');
    expect(lag.lagSeconds('events', { ready: 3, consumers: 2 }, T + 5_000)).toBeUndefined();
  });

  it('with no consumer at all, counts from the first reading of a stalled queue, and starts again when it shrank (someone took its head)', () => {
    const lag = createConsumerLagTracker();
    expect(lag.lagSeconds('results', { ready: 2, consumers: 0 }, T)).toBe(0);
    expect(lag.lagSeconds('results', { ready: 4, consumers: 0 }, T + 3_000)).toBe(3);
    expect(lag.lagSeconds('results', { ready: 1, consumers: 0 }, T + 5_000)).toBe(0);
    expect(lag.lagSeconds('results', { ready: 1, consumers: 0 }, T + 7_000)).toBe(2);
    expect(lag.lagSeconds('results', { ready: 0, consumers: 0 }, T + 8_000)).toBe(0);
    expect(lag.lagSeconds('results', { ready: 1, consumers: 0 }, T + 9_000)).toBe(0);
  });
});
