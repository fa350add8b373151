import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventOutbox } from '../../../gateway/outbox/index.js';
import type { EventToPublish } from '../../../gateway/services/event-publisher.js';

export interface OutboxUnderTest {
  outbox: EventOutbox;
  /** A new instance on the same store, the first one closed: what a restarted process sees. */
  reopen(): Promise<EventOutbox>;
  cleanup(): Promise<void>;
}

export const anEvent = (n: number, overrides: Partial<EventToPublish> = {}): EventToPublish => ({
  appId: 'app_outbox',
  type: 'order.created',
  data: { n, nested: { list: [1, 'two', null] } },
  occurredAt: '2026-01-02T03:04:05.000Z',
  idempotencyKey: `req-${n}:order.created`,
  ...overrides,
});

/**
 * What every EventOutbox adapter must do, run unchanged against each (one per adapter test
 * file), so the adapters cannot drift.
 */
export function describeOutboxContract(adapter: string, open: () => Promise<OutboxUnderTest>): void {
  describe(`event outbox contract: ${adapter}`, () => {
    let subject: OutboxUnderTest;
    let outbox: EventOutbox;
    beforeEach(async () => {
      subject = await open();
      outbox = subject.outbox;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('hands back appended events oldest first, as appended, with rising sequence numbers', async () => {
      for (let n = 1; n <= 5; n++) await outbox.append(anEvent(n));
      const entries = await outbox.oldest(3);
      expect(entries.map((entry) => entry.event)).toEqual([anEvent(1), anEvent(2), anEvent(3)]);
      expect(entries.map((entry) => entry.attempts)).toEqual([0, 0, 0]);
      expect(entries[0]!.seq).toBeLessThan(entries[1]!.seq);
      expect(entries[0]!.appendedAt).toBeLessThanOrEqual(Date.now());
      expect(await outbox.depth()).toEqual({ waiting: 5, parked: 0 });
    });

    it('forgets a removed entry, and removing it again is no error', async () => {
      await outbox.append(anEvent(1));
      await outbox.append(anEvent(2));
      const [first] = await outbox.oldest(1);
      await outbox.remove(first!.seq);
      await outbox.remove(first!.seq);
      expect((await outbox.oldest(10)).map((entry) => entry.event)).toEqual([anEvent(2)]);
    });

    it('counts failed attempts on an entry without moving it', async () => {
      await outbox.append(anEvent(1));
      await outbox.append(anEvent(2));
      const [first] = await outbox.oldest(1);
      await outbox.recordFailure(first!.seq, 'broker down');
      await outbox.recordFailure(first!.seq, 'still down');
      const [again] = await outbox.oldest(1);
      expect(again).toMatchObject({ seq: first!.seq, attempts: 2, lastError: 'still down' });
    });

    it('parks an entry out of the waiting line, keeping it with the reason', async () => {
      await outbox.append(anEvent(1));
      await outbox.append(anEvent(2));
      const [first] = await outbox.oldest(1);
      await outbox.park(first!.seq, 'app gone');
      expect((await outbox.oldest(10)).map((entry) => entry.event)).toEqual([anEvent(2)]);
      expect(await outbox.parked(10)).toMatchObject([{ seq: first!.seq, event: anEvent(1), reason: 'app gone' }]);
      expect(await outbox.depth()).toEqual({ waiting: 1, parked: 1 });
    });

    it('tells listeners after each append, until they unsubscribe', async () => {
      let calls = 0;
      const unsubscribe = outbox.onAppend(() => (calls += 1));
      await outbox.append(anEvent(1));
      unsubscribe();
      await outbox.append(anEvent(2));
      expect(calls).toBe(1);
    });

    it('keeps waiting entries, their order and attempts, and parked ones, across a restart; numbers keep rising', async () => {
      for (let n = 1; n <= 3; n++) await outbox.append(anEvent(n));
      const [first, second] = await outbox.oldest(2);
      await outbox.recordFailure(second!.seq, 'down');
      await outbox.park(first!.seq, 'refused');
      const reopened = await subject.reopen();
      expect((await reopened.oldest(10)).map((entry) => [entry.event, entry.attempts])).toEqual([
        [anEvent(2), 1],
        [anEvent(3), 0],
      ]);
      expect(await reopened.depth()).toEqual({ waiting: 2, parked: 1 });
      const last = (await reopened.oldest(10)).at(-1)!;
      for (const entry of await reopened.oldest(10)) await reopened.remove(entry.seq);
      await reopened.append(anEvent(4));
      expect((await reopened.oldest(1))[0]!.seq).toBeGreaterThan(last.seq);
    });

    it('refuses appends once closed, with UnavailableError', async () => {
      await outbox.close();
      await expect(outbox.append(anEvent(1))).rejects.toMatchObject({ name: 'UnavailableError' });
    });
  });
}
