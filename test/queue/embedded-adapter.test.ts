import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmbeddedBroker } from '../../queue/adapters/embedded/index.js';
import type { DeliveryMessage } from '../../queue/messages.js';
import type { MessageBroker, ReceivedMessage } from '../../queue/ports/message-broker.js';
import { createLogger } from '../../shared/logger.js';
import { makeTempDir } from '../support/temp-dir.js';
import { describeBrokerContract } from './broker-contract.js';

const logger = createLogger('silent');
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/embedded-broker-child.ts', import.meta.url));
const WAIT = { timeout: 10_000, interval: 25 };

describeBrokerContract('embedded', async (options) => {
  const dir = makeTempDir('embedded-broker');
  const opened: MessageBroker[] = [];
  const open = async () => {
    const broker = createEmbeddedBroker({ file: join(dir.path, 'queue.sqlite'), logger, ...options });
    opened.push(broker);
    await broker.start();
    return broker;
  };
  return {
    broker: await open(),
    reopen: open,
    cleanup: async () => {
      for (const broker of opened) await broker.close();
      dir.remove();
    },
  };
});

/** The child fixture, running. */
interface Child {
  /** All it printed so far. */
  output(): string;
  /** Resolves once the child has printed something matching `pattern`. */
  printed(pattern: RegExp): Promise<void>;
  /** SIGKILLs it; resolves once its output is drained, so `output()` holds all it printed. */
  kill(): Promise<void>;
}

function runChild(...args: string[]): Child {
  const child = spawn(process.execPath, [RUN_TS, CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    output: () => output,
    printed(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        void exited.then(() => reject(new Error(`The child exited before printing ${pattern}:\n${output}${errors}`)));
        check();
      });
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('embedded broker: crashes and the queue file', () => {
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function aQueueFile(): string {
    const dir = makeTempDir('embedded-crash');
    cleanups.push(dir.remove);
    return join(dir.path, 'queue.sqlite');
  }

  async function openBroker(file: string): Promise<MessageBroker> {
    const broker = createEmbeddedBroker({ file, logger });
    cleanups.push(() => broker.close());
    await broker.start();
    return broker;
  }

  async function consumeAll(broker: MessageBroker): Promise<ReceivedMessage<DeliveryMessage>[]> {
    const waiting = await broker.depth('deliveries');
    const received: ReceivedMessage<DeliveryMessage>[] = [];
    await broker.consume('deliveries', async (message) => void received.push(message), { concurrency: 1 });
    await vi.waitFor(() => expect(received).toHaveLength(waiting), WAIT);
    return received;
  }

  it('keeps every publish it confirmed when the process is killed with SIGKILL mid-way', async () => {
    const file = aQueueFile();
    const child = runChild(file, 'publish', '200');
    cleanups.push(() => child.kill());
    await child.printed(/^published 50$/m);
    await child.kill();

    const confirmed = [...child.output().matchAll(/^published (\d+)$/gm)].map((match) => `dlv_${match[1]}`);
    expect(confirmed.length).toBeGreaterThanOrEqual(50);
    expect(confirmed.length).toBeLessThan(200);

    const stored = (await consumeAll(await openBroker(file))).map((message) => message.body.deliveryId);
    // Each confirmed message, in order; at most the one publish cut short by the kill besides.
    expect(stored.slice(0, confirmed.length)).toEqual(confirmed);
    expect(stored.length - confirmed.length).toBeLessThanOrEqual(1);
  });

  it('delivers again, with deliveryCount 2, the message a handler held when the process was killed', async () => {
    const file = aQueueFile();
    const child = runChild(file, 'hold');
    cleanups.push(() => child.kill());
    await child.printed(/^in hand \S+ 1$/m);
    await child.kill();
    const heldId = /^in hand (\S+) 1$/m.exec(child.output())?.[1];

    const received = await consumeAll(await openBroker(file));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ id: heldId, deliveryCount: 2, body: { deliveryId: 'dlv_1' } });
  });

  it('refuses, with an error naming the file, to open a queue file another process has open', async () => {
    const file = aQueueFile();
    const child = runChild(file, 'hold');
    cleanups.push(() => child.kill());
    await child.printed(/^in hand /m);

    const second = createEmbeddedBroker({ file, logger });
    cleanups.push(() => second.close());
    await expect(second.start()).rejects.toThrow(`The embedded queue ${file} is in use by another hookgate process.`);
    expect(await second.ping()).toBe(false);
  });
});
