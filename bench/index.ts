import { parseArgs } from 'node:util';
import { bareLoop, embeddedRun } from './end-to-end.js';
import { LatencyReceiver } from './latency-receiver.js';
import { printTable } from './stats.js';

/**
 * `npm run bench [-- --events N --concurrency C]`: end-to-end delivery throughput and
 * publish-to-receipt latency of the embedded platform, beside a bare sign-and-POST loop to the
 * same receiver measured in the same run. Figures are ratios to that baseline, not absolutes.
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const options = { events: Number(values.events), concurrency: Number(values.concurrency) };

const receiver = new LatencyReceiver();
const url = await receiver.start();
try {
  // A short warm-up of both paths so JIT and connection set-up do not count.
  await bareLoop(receiver, url, { events: 200, concurrency: options.concurrency });
  await embeddedRun(receiver, url, { events: 200, concurrency: options.concurrency });

  const baseline = await bareLoop(receiver, url, options);
  const embedded = await embeddedRun(receiver, url, options);
  printTable(
    `end to end: ${options.events} events, ${options.concurrency} concurrent publishers, node ${process.version}`,
    baseline,
    [embedded],
  );
} finally {
  await receiver.close();
}
