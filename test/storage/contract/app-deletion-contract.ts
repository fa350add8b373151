import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/ids.js';
import type { App } from '../../../shared/types.js';
import type { Storage } from '../../../storage/ports/index.js';
import { at, aSubscription, anEvent, aDeliveryRef, anAttempt, type ContractContext } from './fixtures.js';

/** Deleting an app cascades to everything it owns. */
export function describeAppDeletionContract(context: ContractContext): void {
  describe('deleting an app', () => {
    let storage: Storage;
    let app: App;
    let other: App;
    beforeEach(() => {
      ({ storage, app, other } = context);
    });

    it('removes everything it owns and nothing of any other app', async () => {
      async function populate(owner: App, hash: string) {
        await storage.apiKeys.create({ id: newId('key'), appId: owner.id, prefix: 'hg_x', createdAt: at(0), hash });
        const subscription = aSubscription(owner.id);
        await storage.subscriptions.create(subscription, { current: 'enc' });
        const { event } = await storage.events.insert(anEvent(owner.id, { idempotencyKey: 'once' }), 86_400_000);
        const delivery = aDeliveryRef(owner.id, { eventId: event.id, subscriptionId: subscription.id });
        await storage.deliveries.recordAttempt(delivery, anAttempt(delivery.id, 1), { status: 'failed' });
        return { subscription, event, delivery };
      }
      const mine = await populate(app, 'hash-mine');
      const theirs = await populate(other, 'hash-theirs');

      expect(await storage.apps.delete(app.id)).toBe(true);
      expect(await storage.apiKeys.findByHash('hash-mine')).toBeNull();
      expect(await storage.subscriptions.get(mine.subscription.id, undefined)).toBeNull();
      expect(await storage.events.get(mine.event.id, undefined)).toBeNull();
      expect(await storage.deliveries.get(mine.delivery.id, undefined)).toBeNull();
      expect((await storage.deliveries.list(undefined, {}, { limit: 10 })).data.map((delivery) => delivery.id)).toEqual([theirs.delivery.id]);

      expect(await storage.apiKeys.findByHash('hash-theirs')).not.toBeNull();
      expect(await storage.subscriptions.get(theirs.subscription.id, other.id)).not.toBeNull();
      expect(await storage.events.get(theirs.event.id, other.id)).not.toBeNull();
      expect((await storage.deliveries.get(theirs.delivery.id, other.id))?.attempts).toHaveLength(1);
    });

    it('drops results that arrive after the app was deleted', async () => {
      await storage.apps.delete(app.id);
      const ref = aDeliveryRef(app.id);
      await storage.deliveries.recordScheduled(ref);
      await storage.deliveries.recordAttempt(ref, anAttempt(ref.id, 1), { status: 'failed' });
      expect(await storage.deliveries.get(ref.id, undefined)).toBeNull();
    });
  });
}
