import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/ids.js';
import type { App } from '../../../shared/types.js';
import type { Storage } from '../../../storage/ports/index.js';
import { at, aDeliveryRef, anAttempt, collectPages, type ContractContext } from './fixtures.js';

/** Delivery store: order-tolerant results, retries, listing. */
export function describeDeliveriesContract(context: ContractContext): void {
  describe('deliveries', () => {
    let storage: Storage;
    let app: App;
    let other: App;
    beforeEach(() => {
      ({ storage, app, other } = context);
    });

    it('records a scheduled delivery as pending, once', async () => {
      const ref = aDeliveryRef(app.id);
      await storage.deliveries.recordScheduled(ref);
      await storage.deliveries.recordScheduled({ ...ref, createdAt: at(99) });
      expect(await storage.deliveries.get(ref.id, app.id)).toEqual({
        ...ref,
        status: 'pending',
        attemptCount: 0,
        updatedAt: ref.createdAt,
        attempts: [],
      });
    });

    it('keeps the events of a merged delivery, in order, whichever result creates it', async () => {
      const scheduled = { ...aDeliveryRef(app.id), mergedEventIds: [newId('event'), newId('event'), newId('event')] };
      await storage.deliveries.recordScheduled(scheduled);
      expect(await storage.deliveries.get(scheduled.id, app.id)).toMatchObject({ mergedEventIds: scheduled.mergedEventIds });
      const attemptedFirst = { ...aDeliveryRef(app.id), mergedEventIds: [newId('event'), newId('event')] };
      await storage.deliveries.recordAttempt(attemptedFirst, anAttempt(attemptedFirst.id, 1), { status: 'succeeded' });
      const [listed] = (await storage.deliveries.list(app.id, { eventId: attemptedFirst.eventId }, { limit: 10 })).data;
      expect(listed).toMatchObject({ id: attemptedFirst.id, mergedEventIds: attemptedFirst.mergedEventIds });
    });

    it('moves the delivery through its attempts and returns them in order', async () => {
      const ref = aDeliveryRef(app.id);
      await storage.deliveries.recordScheduled(ref);
      const first = anAttempt(ref.id, 1, { error: 'HTTP 500' });
      await storage.deliveries.recordAttempt(ref, first, { status: 'failed', nextAttemptAt: at(5000), lastError: 'HTTP 500' });
      expect(await storage.deliveries.get(ref.id, app.id)).toMatchObject({
        status: 'failed',
        attemptCount: 1,
        nextAttemptAt: at(5000),
        lastError: 'HTTP 500',
      });
      const second = anAttempt(ref.id, 2, { statusCode: 200, responseBody: 'ok' });
      await storage.deliveries.recordAttempt(ref, second, { status: 'succeeded' });
      const delivery = await storage.deliveries.get(ref.id, app.id);
      expect(delivery).toMatchObject({ status: 'succeeded', attemptCount: 2, updatedAt: second.at });
      expect(delivery?.nextAttemptAt).toBeUndefined();
      expect(delivery?.lastError).toBeUndefined();
      expect(delivery?.attempts).toEqual([first, second]);
    });

    it('keeps the later outcome when an earlier attempt arrives last, and ignores a repeated attempt', async () => {
      const ref = aDeliveryRef(app.id);
      const first = anAttempt(ref.id, 1);
      const second = anAttempt(ref.id, 2, { statusCode: 200 });
      // The attempt results overtake the scheduling record and each other.
      await storage.deliveries.recordAttempt(ref, second, { status: 'succeeded' });
      await storage.deliveries.recordAttempt(ref, first, { status: 'failed', lastError: 'HTTP 500' });
      await storage.deliveries.recordAttempt(ref, second, { status: 'succeeded' });
      await storage.deliveries.recordAttempt(ref, first, { status: 'dead' });
      await storage.deliveries.recordScheduled(ref);

      const delivery = await storage.deliveries.get(ref.id, app.id);
      expect(delivery).toMatchObject({ id: ref.id, status: 'succeeded', attemptCount: 2 });
      expect(delivery?.lastError).toBeUndefined();
      expect(delivery?.attempts).toEqual([first, second]);
    });

    it('marks only a failed or dead delivery pending again for a retry, in scope', async () => {
      const failed = aDeliveryRef(app.id);
      const dead = aDeliveryRef(app.id);
      const succeeded = aDeliveryRef(app.id);
      await storage.deliveries.recordAttempt(failed, anAttempt(failed.id, 1), { status: 'failed', nextAttemptAt: at(5000) });
      await storage.deliveries.recordAttempt(dead, anAttempt(dead.id, 8), { status: 'dead', lastError: 'gave up' });
      await storage.deliveries.recordAttempt(succeeded, anAttempt(succeeded.id, 1, { statusCode: 200 }), { status: 'succeeded' });

      expect(await storage.deliveries.markRetrying(failed.id, other.id, at(9000))).toBeNull();
      expect((await storage.deliveries.get(failed.id, app.id))?.status).toBe('failed');

      const retried = await storage.deliveries.markRetrying(dead.id, app.id, at(9000));
      expect(retried).toMatchObject({ id: dead.id, status: 'pending', attemptCount: 8, updatedAt: at(9000) });
      expect(await storage.deliveries.markRetrying(failed.id, undefined, at(9000))).toMatchObject({ status: 'pending' });
      // Already pending (a racing retry won) or succeeded: nothing to retry.
      expect(await storage.deliveries.markRetrying(dead.id, app.id, at(9001))).toBeNull();
      expect(await storage.deliveries.markRetrying(succeeded.id, app.id, at(9000))).toBeNull();
      expect((await storage.deliveries.get(succeeded.id, app.id))?.status).toBe('succeeded');
      expect(await storage.deliveries.markRetrying(newId('delivery'), undefined, at(9000))).toBeNull();

      // The retry's attempt moves the delivery on from where it was.
      await storage.deliveries.recordAttempt(dead, anAttempt(dead.id, 9, { statusCode: 200 }), { status: 'succeeded' });
      expect(await storage.deliveries.get(dead.id, app.id)).toMatchObject({ status: 'succeeded', attemptCount: 9 });
    });

    it("never shows another app's delivery", async () => {
      const ref = aDeliveryRef(app.id);
      await storage.deliveries.recordAttempt(ref, anAttempt(ref.id, 1), { status: 'failed' });
      expect(await storage.deliveries.get(ref.id, other.id)).toBeNull();
      expect((await storage.deliveries.list(other.id, {}, { limit: 10 })).data).toEqual([]);
      expect(await storage.deliveries.get(ref.id, undefined)).toMatchObject({ id: ref.id });
    });

    it('lists by subscription, event and status, in id order across pages', async () => {
      const subscriptionId = newId('subscription');
      const eventId = newId('event');
      const a = aDeliveryRef(app.id, { subscriptionId, eventId });
      const b = aDeliveryRef(app.id, { subscriptionId });
      const c = aDeliveryRef(app.id, { eventId });
      const d = aDeliveryRef(app.id, { subscriptionId });
      const foreign = aDeliveryRef(other.id, { subscriptionId, eventId });
      for (const ref of [a, b, c, d, foreign]) await storage.deliveries.recordScheduled(ref);
      await storage.deliveries.recordAttempt(b, anAttempt(b.id, 1), { status: 'dead' });
      await storage.deliveries.recordAttempt(c, anAttempt(c.id, 1), { status: 'dead' });
      const ids = (list: { id: string }[]) => list.map((delivery) => delivery.id);

      const bySubscription = await collectPages((cursor) => storage.deliveries.list(app.id, { subscriptionId }, { limit: 2, cursor }), 2);
      expect(ids(bySubscription.flat())).toEqual(ids([a, b, d]));
      expect(ids((await storage.deliveries.list(app.id, { eventId }, { limit: 10 })).data)).toEqual(ids([a, c]));
      expect(ids((await storage.deliveries.list(app.id, { status: 'dead' }, { limit: 10 })).data)).toEqual(ids([b, c]));
      expect(ids((await storage.deliveries.list(app.id, { status: 'dead', subscriptionId }, { limit: 10 })).data)).toEqual(ids([b]));
      expect(ids((await storage.deliveries.list(undefined, { eventId }, { limit: 10 })).data)).toEqual(ids([a, c, foreign]));
    });
  });
}
