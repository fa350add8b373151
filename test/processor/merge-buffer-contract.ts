import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../shared/ids.js';
import type { HoldRequest, MergeBuffer } from '../../processor/ports/merge-buffer.js';

/**
 * What a contract run needs from an adapter: a fresh, empty place to buffer in (a file, a
 * database), `open` making a new, not yet started adapter on it (several may be open at once,
 * as processor replicas or a restarted processor are), and a way to dispose of it.
 */
export type MergeBufferFactory = () => Promise<{ open: () => MergeBuffer; cleanup: () => Promise<void> }>;

const T = Date.parse('2026-03-01T10:00:00.000Z');
const WINDOW_MS = 5_000;

/**
 * The merge buffer port contract, run unchanged against every adapter (SQLite, MongoDB).
 *
 * @example
 * describeMergeBufferContract('SQLite', async () => {
 *   const dir = makeTempDir('merge');
 *   return { open: () => createSqliteMergeBuffer({ file: join(dir.path, 'merge.sqlite') }), cleanup: async () => dir.remove() };
 * });
 */
export function describeMergeBufferContract(name: string, makeStore: MergeBufferFactory): void {
  describe(`merge buffer contract: ${name}`, () => {
    let store: Awaited<ReturnType<MergeBufferFactory>>;
    let started: MergeBuffer[];
    let buffer: MergeBuffer;
    const subscriptionId = newId('subscription');
    const appId = newId('app');

    async function open(): Promise<MergeBuffer> {
      const opened = store.open();
      await opened.start();
      started.push(opened);
      return opened;
    }

    beforeEach(async () => {
      store = await makeStore();
      started = [];
      buffer = await open();
    });

    afterEach(async () => {
      await Promise.all(started.map((opened) => opened.stop()));
      await store.cleanup();
    });

    /** An event of order `orderId` held for the subscription; `n` tells events apart. */
    function aHold(n: number, fields: Partial<HoldRequest> = {}): HoldRequest {
      const id = newId('event');
      const receivedAt = new Date(T + n).toISOString();
      return {
        holdId: `${id}/`,
        subscriptionId,
        appId,
        mergeValue: JSON.stringify('o-1'),
        windowMs: WINDOW_MS,
        event: { envelope: { id, type: 'order.paid', timestamp: receivedAt, data: { orderId: 'o-1', n } }, receivedAt, traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
        ...fields,
      };
    }

    it('opens a window with the first event and adds later ones with the same merge value to it', async () => {
      const first = await buffer.hold(aHold(1), T);
      expect(first).toEqual({ windowId: expect.any(String), openedAt: T, closesAt: T + WINDOW_MS, count: 1, opened: true, repeated: false });
      const second = await buffer.hold(aHold(2, { windowMs: 60_000 }), T + 1_000);
      expect(second).toEqual({ ...first, count: 2, opened: false });
    });

    it('keeps one window per subscription and merge value', async () => {
      const held = [
        await buffer.hold(aHold(1), T),
        await buffer.hold(aHold(2, { mergeValue: JSON.stringify('o-2') }), T),
        await buffer.hold(aHold(3, { subscriptionId: newId('subscription') }), T),
      ];
      expect(held.map((one) => one.opened)).toEqual([true, true, true]);
      expect(new Set(held.map((one) => one.windowId)).size).toBe(3);
    });

    it('holds an event once per subscription: a repeat reports the window it is in', async () => {
      const event = aHold(1);
      const first = await buffer.hold(event, T);
      await buffer.hold(aHold(2), T + 10);
      expect(await buffer.hold(event, T + 20)).toEqual({ ...first, count: 2, opened: false, repeated: true });
      const elsewhere = await buffer.hold({ ...event, subscriptionId: newId('subscription') }, T + 30);
      expect(elsewhere).toMatchObject({ opened: true, repeated: false, count: 1 });
      expect((await buffer.close(first.windowId))?.events.map((held) => held.envelope.data)).toEqual([{ orderId: 'o-1', n: 1 }, { orderId: 'o-1', n: 2 }]);
    });

    it('closes a window whose time has passed and opens the next one for the next event', async () => {
      const early = aHold(1);
      const late = aHold(2);
      const first = await buffer.hold(early, T);
      const next = await buffer.hold(late, T + WINDOW_MS);
      expect(next).toMatchObject({ openedAt: T + WINDOW_MS, closesAt: T + 2 * WINDOW_MS, count: 1, opened: true, repeated: false });
      expect(next.windowId).not.toBe(first.windowId);
      expect((await buffer.close(first.windowId))?.events).toEqual([early.event]);
      expect((await buffer.close(next.windowId))?.events).toEqual([late.event]);
    });

    it('closes a window: its events in hold order, again until released; later events open a new window', async () => {
      const holds = [aHold(3), aHold(1), aHold(2)];
      let windowId = '';
      for (const [index, hold] of holds.entries()) windowId = (await buffer.hold(hold, T + index)).windowId;

      const closed = await buffer.close(windowId);
      expect(closed).toEqual({ windowId, subscriptionId, appId, openedAt: T, events: holds.map((hold) => hold.event) });
      const after = await buffer.hold(aHold(4), T + 10);
      expect(after).toMatchObject({ opened: true, count: 1 });
      expect(after.windowId).not.toBe(windowId);
      expect(await buffer.close(windowId)).toEqual(closed);

      await buffer.release(windowId);
      expect(await buffer.close(windowId)).toBeNull();
      await buffer.release(windowId);
      expect(await buffer.close('no-such-window')).toBeNull();
    });

    it('reports a repeat of an event in a closed window as held there, and holds it anew once released', async () => {
      const event = aHold(1);
      const first = await buffer.hold(event, T);
      await buffer.close(first.windowId);
      expect(await buffer.hold(event, T + 10)).toEqual({ ...first, opened: false, repeated: true });
      await buffer.release(first.windowId);
      const again = await buffer.hold(event, T + 20);
      expect(again).toMatchObject({ opened: true, repeated: false, count: 1 });
      expect(again.windowId).not.toBe(first.windowId);
    });

    it('keeps held events for the next buffer on the same store, after a stop', async () => {
      const holds = [aHold(1), aHold(2)];
      const first = await buffer.hold(holds[0]!, T);
      await buffer.hold(holds[1]!, T + 1);
      await buffer.stop();

      const restarted = await open();
      expect(await restarted.hold(holds[1]!, T + 2)).toMatchObject({ windowId: first.windowId, count: 2, repeated: true });
      expect((await restarted.close(first.windowId))?.events).toEqual(holds.map((hold) => hold.event));
    });

    it('holds racing events from several buffers in one window, each once, numbered in hold order', async () => {
      const replicas = [buffer, await open(), await open()];
      const holds = Array.from({ length: 20 }, (_, n) => aHold(n));
      // Every event twice, as a redelivered message racing its first delivery would be.
      const results = await Promise.all([...holds, ...holds].map((hold, index) => replicas[index % replicas.length]!.hold(hold, T + 1)));

      expect(new Set(results.map((held) => held.windowId)).size).toBe(1);
      expect(results.filter((held) => held.opened)).toHaveLength(1);
      const firsts = results.filter((held) => !held.repeated);
      expect(firsts.map((held) => held.count).sort((a, b) => a - b)).toEqual(holds.map((_, index) => index + 1));

      const byCount = holds.map((hold) => hold.event).sort((a, b) => countOf(a.envelope.id) - countOf(b.envelope.id));
      expect((await buffer.close(results[0]!.windowId))?.events).toEqual(byCount);

      function countOf(eventId: string): number {
        const index = [...holds, ...holds].findIndex((hold, position) => hold.event.envelope.id === eventId && !results[position]!.repeated);
        return results[index]!.count;
      }
    });
  });
}
