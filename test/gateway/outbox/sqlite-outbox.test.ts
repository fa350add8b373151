import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteOutbox, defaultOutboxFile, type EventOutbox } from '../../../gateway/outbox/index.js';
import { makeTempDir } from '../../support/temp-dir.js';
import { describeOutboxContract } from './outbox-contract.js';

const RUN_TS = fileURLToPath(new URL('../../../bin/run-ts.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/outbox-child.ts', import.meta.url));

describeOutboxContract('sqlite', async () => {
  const dir = makeTempDir('outbox');
  const file = defaultOutboxFile(dir.path);
  const opened: EventOutbox[] = [];
  const open = async () => {
    const outbox = createSqliteOutbox({ file });
    opened.push(outbox);
    await outbox.start();
    return outbox;
  };
  return {
    outbox: await open(),
    async reopen() {
      await opened.at(-1)!.close();
      return open();
    },
    async cleanup() {
      for (const outbox of opened) await outbox.close();
      dir.remove();
    },
  };
});

/** The child fixture appending to `file`, until it has printed `appended <atLeast>`; then SIGKILLed. Returns all it printed. */
async function appendThenKill(file: string, count: number, atLeast: number): Promise<string> {
  const child = spawn(process.execPath, [RUN_TS, CHILD, file, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (new RegExp(`^appended ${atLeast}$`, 'm').test(output)) resolve();
    });
    void closed.then(() => reject(new Error(`the child exited before appending ${atLeast}:\n${output}${errors}`)));
  });
  child.kill('SIGKILL');
  await closed;
  return output;
}

describe('sqlite outbox: crashes and the file', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function anOutboxFile(): string {
    const dir = makeTempDir('outbox-crash');
    cleanups.push(dir.remove);
    return join(dir.path, 'nested', 'gateway-outbox.sqlite');
  }

  it('keeps every append that resolved when the process is killed with SIGKILL mid-way, in order', async () => {
    const file = anOutboxFile();
    const output = await appendThenKill(file, 500, 50);
    const confirmed = [...output.matchAll(/^appended (\d+)$/gm)].map((match) => Number(match[1]));
    expect(confirmed.length).toBeGreaterThanOrEqual(50);
    expect(confirmed.length).toBeLessThan(500);

    const outbox = createSqliteOutbox({ file });
    cleanups.push(() => outbox.close());
    await outbox.start();
    const kept = (await outbox.oldest(1_000)).map((entry) => (entry.event.data as { n: number }).n);
    // Each confirmed append, in order; at most the one the kill cut short besides.
    expect(kept.slice(0, confirmed.length)).toEqual(confirmed);
    expect(kept.length - confirmed.length).toBeLessThanOrEqual(1);
  });

  it('refuses, naming the file, to open an outbox another process has open', async () => {
    const file = anOutboxFile();
    const holder = createSqliteOutbox({ file });
    cleanups.push(() => holder.close());
    await holder.start();
    const second = createSqliteOutbox({ file });
    await expect(second.start()).rejects.toThrow(`The event outbox ${file} is in use by another hookgate process`);
  });
});
