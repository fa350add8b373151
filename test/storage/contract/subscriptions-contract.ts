import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/ids.js';
import type { App, Subscription } from '../../../shared/types.js';
import type { Storage } from '../../../storage/ports/index.js';
import { at, aSubscription, collectPages, type ContractContext } from './fixtures.js';

/** Subscription store. */
export function describeSubscriptionsContract(context: ContractContext): void {
  describe('subscriptions', () => {
    let storage: Storage;
    let app: App;
    let other: App;
    beforeEach(() => {
      ({ storage, app, other } = context);
    });

    const full: Partial<Subscription> = {
      filter: { 'data.amount': { $gte: 100 } },
      merge: { key: 'data.orderId', windowMs: 5000 },
      transform: '{"total": data.amount}',
      rateLimit: { perSecond: 5 },
      headers: { 'x-team': 'billing' },
      description: 'billing hooks',
    };

    it('round-trips every field, and a minimal one has no optional fields at all', async () => {
      const rich = aSubscription(app.id, full);
      const minimal = aSubscription(app.id);
      await storage.subscriptions.create(rich, { current: 'enc-1' });
      await storage.subscriptions.create(minimal, { current: 'enc-2' });
      expect(await storage.subscriptions.get(rich.id, app.id)).toEqual(rich);
      expect(await storage.subscriptions.get(minimal.id, undefined)).toStrictEqual(minimal);
    });

    it('keeps secrets as given and replaces them on rotation', async () => {
      const subscription = aSubscription(app.id);
      await storage.subscriptions.create(subscription, { current: 'enc-old' });
      expect(await storage.subscriptions.getSecrets(subscription.id)).toEqual({ current: 'enc-old' });
      const rotated = { current: 'enc-new', previous: 'enc-old', previousExpiresAt: at(86_400_000) };
      await storage.subscriptions.setSecrets(subscription.id, rotated, at(10));
      expect(await storage.subscriptions.getSecrets(subscription.id)).toEqual(rotated);
      expect((await storage.subscriptions.get(subscription.id, app.id))?.updatedAt).toBe(at(10));
      expect(await storage.subscriptions.getSecrets(newId('subscription'))).toBeNull();
    });

    it("never shows or changes another app's subscription", async () => {
      const subscription = aSubscription(app.id);
      await storage.subscriptions.create(subscription, { current: 'enc' });
      expect(await storage.subscriptions.get(subscription.id, other.id)).toBeNull();
      expect((await storage.subscriptions.list(other.id, { limit: 10 })).data).toEqual([]);
      expect(await storage.subscriptions.update(subscription.id, other.id, { url: 'https://evil.example' }, at(5))).toBeNull();
      expect(await storage.subscriptions.delete(subscription.id, other.id)).toBe(false);
      expect(await storage.subscriptions.get(subscription.id, app.id)).toEqual(subscription);
    });

    it("lists an app's subscriptions across pages; the operator sees every app's", async () => {
      const mine = [0, 1, 2, 3, 4].map(() => aSubscription(app.id));
      const theirs = aSubscription(other.id);
      for (const subscription of [...mine, theirs]) await storage.subscriptions.create(subscription, { current: 'enc' });
      const pages = await collectPages((cursor) => storage.subscriptions.list(app.id, { limit: 2, cursor }), 2);
      expect(pages.flat().map((listed) => listed.id)).toEqual(mine.map((subscription) => subscription.id));
      const all = await storage.subscriptions.list(undefined, { limit: 100 });
      expect(all.data.map((listed) => listed.id)).toEqual([...mine, theirs].map((subscription) => subscription.id));
      expect(all.nextCursor).toBeNull();
    });

    it("lists only the app's enabled subscriptions for matching", async () => {
      const on = aSubscription(app.id);
      const off = aSubscription(app.id, { enabled: false });
      const foreign = aSubscription(other.id);
      for (const subscription of [on, off, foreign]) await storage.subscriptions.create(subscription, { current: 'enc' });
      expect(await storage.subscriptions.listEnabled(app.id)).toEqual([on]);
    });

    it('patches fields, clears a field patched to undefined, keeps absent ones, and bumps updatedAt', async () => {
      const subscription = aSubscription(app.id, full);
      await storage.subscriptions.create(subscription, { current: 'enc' });
      const updated = await storage.subscriptions.update(
        subscription.id,
        app.id,
        { url: 'https://hooks.example.com/v2', events: ['#'], filter: undefined, description: undefined },
        at(60_000),
      );
      const expected: Subscription = { ...subscription, url: 'https://hooks.example.com/v2', events: ['#'], updatedAt: at(60_000) };
      delete expected.filter;
      delete expected.description;
      expect(updated).toStrictEqual(expected);
      expect(await storage.subscriptions.get(subscription.id, app.id)).toStrictEqual(expected);
      expect(await storage.subscriptions.getSecrets(subscription.id)).toEqual({ current: 'enc' });
    });

    it('records why the platform disabled a subscription, and forgets it once enabled again', async () => {
      const subscription = aSubscription(app.id);
      await storage.subscriptions.create(subscription, { current: 'enc' });
      const disabled = await storage.subscriptions.update(subscription.id, undefined, { enabled: false, disabledReason: '410 Gone' }, at(1));
      expect(disabled).toMatchObject({ enabled: false, disabledReason: '410 Gone' });
      expect(await storage.subscriptions.listEnabled(app.id)).toEqual([]);
      // The reason describes the platform's disabling only: enabling again drops it.
      const enabled = await storage.subscriptions.update(subscription.id, app.id, { enabled: true }, at(2));
      expect(enabled).toStrictEqual({ ...subscription, updatedAt: at(2) });
    });

    it('counts dead deliveries in a row per endpoint, resets on a success, and leaves updatedAt alone', async () => {
      const subscription = aSubscription(app.id);
      await storage.subscriptions.create(subscription, { current: 'enc' });
      expect(await storage.subscriptions.recordOutcome(subscription.id, app.id, 'dead', at(1_000))).toEqual({ consecutiveDead: 1, failingSince: at(1_000) });
      expect(await storage.subscriptions.recordOutcome(subscription.id, app.id, 'dead', at(2_000))).toEqual({ consecutiveDead: 2, failingSince: at(1_000) });
      expect(await storage.subscriptions.recordOutcome(subscription.id, app.id, 'succeeded', at(3_000))).toEqual({ consecutiveDead: 0 });
      expect(await storage.subscriptions.recordOutcome(subscription.id, app.id, 'dead', at(4_000))).toEqual({ consecutiveDead: 1, failingSince: at(4_000) });
      expect(await storage.subscriptions.recordOutcome(subscription.id, other.id, 'dead', at(5_000))).toBeNull();
      expect(await storage.subscriptions.recordOutcome(newId('subscription'), app.id, 'dead', at(5_000))).toBeNull();
      expect(await storage.subscriptions.get(subscription.id, app.id)).toEqual(subscription);
    });

    it('deletes a subscription for its app; a second delete finds nothing', async () => {
      const subscription = aSubscription(app.id);
      await storage.subscriptions.create(subscription, { current: 'enc' });
      expect(await storage.subscriptions.delete(subscription.id, app.id)).toBe(true);
      expect(await storage.subscriptions.get(subscription.id, undefined)).toBeNull();
      expect(await storage.subscriptions.getSecrets(subscription.id)).toBeNull();
      expect(await storage.subscriptions.delete(subscription.id, undefined)).toBe(false);
    });
  });
}
