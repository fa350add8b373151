import { defineConfig } from 'vitest/config';

/** Tests that stop the machine's RabbitMQ: run alone, after the rest (`npm test`), never beside tests that use it. */
export default defineConfig({
  test: {
    include: ['test/faults/broker-*.test.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
