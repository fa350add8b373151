import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // They stop the machine's RabbitMQ: vitest.broker-faults.config.ts runs them alone, afterwards.
    exclude: ['test/faults/broker-*.test.ts', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
