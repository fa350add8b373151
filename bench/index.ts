import { parseArgs } from 'node:util';
import { stopTestMongo } from '../test/support/congodb.js';
import { distributedRun } from './distributed.js';
import { bareLoop, embeddedRun } from './end-to-end.js';
import { fanOutRun } from './fan-out.js';
import { gatewaySuite } from './gateway.js';
import { isolationSuite } from './isolation.js';
import { LatencyReceiver } from './latency-receiver.js';
import { printTable } from './stats.js';

/**
 * `npm run bench [-- [SUITE] --events N --requests R --concurrency C --hostile-rate H --transform EXPR --suite end-to-end|fan-out|gateway|isolation|all --mode embedded|distributed]`
 * (a first bare argument names the suite too: `npm run bench -- gateway`):
 * - end-to-end: delivery throughput and publish-to-receipt latency of the embedded platform;
 *   with `--mode distributed`, also of distributed mode (RabbitMQ, the MongoDB test server)
 *   with one and with two processor replicas; with `--transform EXPR` (or `--transform ordinary`),
 *   also the embedded platform with that subscription transform (it must keep `data.seq`);
 * - fan-out: one event to 1, 10, 100 and 1,000 matching subscriptions with filters;
 * each beside a bare sign-and-POST loop to the same receiver measured in the same run;
 * - gateway: GETs through the gateway's plugins and proxy beside a bare node:http proxy and the
 *   upstream called directly (`--requests` each, after a warm-up);
 * - isolation: an ordinary app's deliveries per second (`--events`) alone and beside a hostile
 *   app publishing `--hostile-rate` stalling events per second, against `hookgate start` as a
 *   child process; the ratio must stay >= 0.9, else the run exits non-zero.
 * Figures are ratios to that baseline, not absolutes.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '32' },
    suite: { type: 'string', default: 'all' },
    mode: { type: 'string', default: 'embedded' },
    requests: { type: 'string', default: '20000' },
    'hostile-rate': { type: 'string', default: '2' },
    transform: { type: 'string' },
  },
});
const options = { events: Number(values.events), concurrency: Number(values.concurrency) };
/** A transform as subscriptions write them: paths, an object, a string function and a regex. */
const ORDINARY_TRANSFORM = '{"data": {"seq": data.seq}, "id": id, "kind": $uppercase(type), "tick": $match(type, /bench\\.(\\w+)/).groups[0]}';
const suite = positionals[0] ?? values.suite;
const known = ['end-to-end', 'fan-out', 'gateway', 'isolation'];
const suites = suite === 'all' ? known : [suite];
if (!suites.every((name) => known.includes(name))) throw new Error(`unknown suite ${suite}: one of ${known.join(', ')} or all`);

if (suites.some((name) => name === 'end-to-end' || name === 'fan-out')) await deliverySuites();
if (suites.includes('gateway')) {
  const requests = Number(values.requests);
  await gatewaySuite({ concurrency: options.concurrency, requests, warmup: Math.max(500, Math.round(requests / 10)) });
}
if (suites.includes('isolation')) {
  const isolated = await isolationSuite({ ...options, hostilePerSecond: Number(values['hostile-rate']) });
  if (!isolated) process.exitCode = 1;
}

/** end-to-end and fan-out: both measured against one bare sign-and-POST baseline. */
async function deliverySuites(): Promise<void> {
  const receiver = new LatencyReceiver();
  const url = await receiver.start();
  try {
    // A short warm-up of both paths so JIT and connection set-up do not count.
    await bareLoop(receiver, url, { events: 200, concurrency: options.concurrency });
    await embeddedRun(receiver, url, { events: 200, concurrency: options.concurrency });
    const baseline = await bareLoop(receiver, url, options);
    const title = `${options.events} deliveries, ${options.concurrency} concurrent publishers, node ${process.version}`;

    if (suites.includes('end-to-end')) {
      const runs = [await embeddedRun(receiver, url, options)];
      if (values.transform !== undefined) {
        const transform = values.transform === 'ordinary' ? ORDINARY_TRANSFORM : values.transform;
        runs.push(await embeddedRun(receiver, url, options, `embedded, transform ${transform}`, transform));
      }
      if (values.mode === 'distributed') {
        for (const processors of [1, 2]) runs.push(await distributedRun(receiver, url, { ...options, processors, storeName: 'MongoDB test server (CongoDB)' }));
      }
      printTable(`end to end: ${title}`, baseline, runs);
    }
    if (suites.includes('fan-out')) {
      const runs = [];
      for (const subscriptions of [1, 10, 100, 1000]) {
        runs.push(await fanOutRun(receiver, url.replace(/\/hook$/, '/fan'), { subscriptions, deliveries: options.events, concurrency: options.concurrency }));
      }
      printTable(`fan-out (deliveries per second; latency to the last subscription's receipt): ${title}`, baseline, runs);
    }
  } finally {
    await receiver.close();
    await stopTestMongo();
  }
}
