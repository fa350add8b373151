import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/ids.js';
import type { App, StoredEvent } from '../../../shared/types.js';
import type { Storage } from '../../../storage/ports/index.js';
import { at, anEvent, collectPages, sleep, type ContractContext } from './fixtures.js';

/** Event store: idempotent insert, listing. */
export function describeEventsContract(context: ContractContext): void {
  describe('events', () => {
    let storage: Storage;
    let app: App;
    let other: App;
    beforeEach(() => {
      ({ storage, app, other } = context);
    });

    const DAY = 86_400_000;

    it('stores an event as not yet queued, and reads it back in scope only', async () => {
      const event = anEvent(app.id, { idempotencyKey: 'k-1' });
      const result = await storage.events.insert(event, DAY);
      expect(result).toEqual({ event, created: true, queued: false });
      expect(await storage.events.get(event.id, app.id)).toEqual(event);
      expect(await storage.events.get(event.id, undefined)).toEqual(event);
      expect(await storage.events.get(event.id, other.id)).toBeNull();
      expect(await storage.events.get(newId('event'), undefined)).toBeNull();
    });

    // The gateway's own check is not enough: an app key is trusted from a cache for seconds
    // after its app is deleted, and the outbox relay and platform events check nothing.
    it('refuses, as a conflict, an event of an app that does not exist or was deleted, and keeps none', async () => {
      const missing = newId('app');
      await expect(storage.events.insert(anEvent(missing), DAY)).rejects.toMatchObject({ code: 'HG_ERR_CONFLICT' });
      await expect(storage.events.insert(anEvent(missing, { idempotencyKey: 'k' }), DAY)).rejects.toMatchObject({ code: 'HG_ERR_CONFLICT' });

      await storage.events.insert(anEvent(app.id, { idempotencyKey: 'k' }), DAY);
      await storage.apps.delete(app.id);
      const late = anEvent(app.id, { idempotencyKey: 'k', receivedAt: at(1000) });
      await expect(storage.events.insert(late, DAY)).rejects.toMatchObject({ code: 'HG_ERR_CONFLICT' });
      await expect(storage.events.insert(anEvent(app.id, { receivedAt: at(2000) }), DAY)).rejects.toMatchObject({ code: 'HG_ERR_CONFLICT' });
      expect((await storage.events.list(undefined, {}, { limit: 10 })).data).toEqual([]);
    });

    it('returns the first event for a repeated idempotency key, with its queued flag', async () => {
      const first = anEvent(app.id, { idempotencyKey: 'pay-1' });
      await storage.events.insert(first, DAY);
      const again = await storage.events.insert(anEvent(app.id, { idempotencyKey: 'pay-1', receivedAt: at(1000), data: { other: true } }), DAY);
      expect(again).toEqual({ event: first, created: false, queued: false });

      await storage.events.markQueued(first.id);
      const third = await storage.events.insert(anEvent(app.id, { idempotencyKey: 'pay-1', receivedAt: at(2000) }), DAY);
      expect(third).toEqual({ event: first, created: false, queued: true });
      expect((await storage.events.list(app.id, {}, { limit: 10 })).data).toEqual([first]);
    });

    it('yields exactly one event from 20 concurrent inserts with one key', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => storage.events.insert(anEvent(app.id, { idempotencyKey: 'race', data: { index } }), DAY)),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.event.id)).size).toBe(1);
      expect((await storage.events.list(app.id, {}, { limit: 100 })).data).toHaveLength(1);
    });

    it('keeps idempotency keys per app', async () => {
      const mine = await storage.events.insert(anEvent(app.id, { idempotencyKey: 'shared' }), DAY);
      const theirs = await storage.events.insert(anEvent(other.id, { idempotencyKey: 'shared' }), DAY);
      expect(mine.created && theirs.created).toBe(true);
      expect(theirs.event.id).not.toBe(mine.event.id);
    });

    it('creates a new event once the key is older than the window', async () => {
      const windowMs = 40;
      const first = await storage.events.insert(anEvent(app.id, { idempotencyKey: 'k', receivedAt: new Date().toISOString() }), windowMs);
      await sleep(windowMs + 30);
      const second = await storage.events.insert(anEvent(app.id, { idempotencyKey: 'k', receivedAt: new Date().toISOString() }), windowMs);
      expect(second.created).toBe(true);
      expect(second.event.id).not.toBe(first.event.id);
      // The key now belongs to the second event.
      const third = await storage.events.insert(anEvent(app.id, { idempotencyKey: 'k', receivedAt: new Date().toISOString() }), 60_000);
      expect(third).toMatchObject({ created: false, event: { id: second.event.id } });
      expect(await storage.events.get(first.event.id, app.id)).toEqual(first.event);
    });

    it('lists by type and received time, in id order across pages, in scope', async () => {
      const events = [
        anEvent(app.id, { type: 'order.paid', receivedAt: at(0) }),
        anEvent(app.id, { type: 'order.shipped', receivedAt: at(1000) }),
        anEvent(app.id, { type: 'order.paid', receivedAt: at(2000) }),
        anEvent(app.id, { type: 'order.paid', receivedAt: at(3000) }),
        anEvent(other.id, { type: 'order.paid', receivedAt: at(4000) }),
      ];
      for (const event of events) await storage.events.insert(event, DAY);
      const ids = (list: StoredEvent[]) => list.map((event) => event.id);

      const paid = await collectPages((cursor) => storage.events.list(app.id, { type: 'order.paid' }, { limit: 2, cursor }), 2);
      expect(ids(paid.flat())).toEqual(ids([events[0]!, events[2]!, events[3]!]));
      const recent = await storage.events.list(app.id, { after: '2026-03-01T10:00:01Z' }, { limit: 10 });
      expect(ids(recent.data)).toEqual(ids([events[2]!, events[3]!]));
      const everyone = await storage.events.list(undefined, { type: 'order.paid' }, { limit: 10 });
      expect(ids(everyone.data)).toEqual(ids([events[0]!, events[2]!, events[3]!, events[4]!]));
      expect((await storage.events.list(other.id, {}, { limit: 10 })).data).toEqual([events[4]]);
    });
  });
}
