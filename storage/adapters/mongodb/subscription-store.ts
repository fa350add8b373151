import { NotFoundError } from '../../../shared/errors/index.js';
import type { Subscription } from '../../../shared/types.js';
import type { EncryptedSecrets, EndpointHealth, SubscriptionPatch, SubscriptionStore } from '../../ports/index.js';
import type { MongoHandle } from './connection.js';
import { findPage, inScope, requireApp, toDate } from './documents.js';
import { COLLECTIONS } from './schema.js';

/**
 * A subscription with its encrypted secrets and endpoint health. `filter` and `headers` are
 * JSON text: their keys are operators and dotted paths (`$gte`, `data.amount`) or header names
 * that may contain dots, which MongoDB's update operators refuse as field names.
 */
interface SubscriptionDocument {
  _id: string;
  appId: string;
  url: string;
  events: string[];
  filter?: string;
  merge?: Subscription['merge'];
  transform?: string;
  rateLimit?: Subscription['rateLimit'];
  headers?: string;
  description?: string;
  enabled: boolean;
  disabledReason?: string;
  createdAt: string;
  updatedAt: string;
  secrets: EncryptedSecrets;
  consecutiveDead: number;
  failingSince?: Date;
}

/** Everything a subscription shows: its secrets and health are read only by their own methods. */
const SHOWN = { projection: { secrets: 0, consecutiveDead: 0, failingSince: 0 } } as const;

function toJsonText(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/** How each patchable field is stored; `url`, `events` and `enabled` are required, so `undefined` leaves them as they are. */
const PATCHABLE: { [K in keyof Required<SubscriptionPatch>]: (value: NonNullable<SubscriptionPatch[K]>) => unknown } = {
  url: (value) => value,
  events: (value) => value,
  filter: toJsonText,
  merge: (value) => value,
  transform: (value) => value,
  rateLimit: (value) => value,
  headers: toJsonText,
  description: (value) => value,
  enabled: (value) => value,
  disabledReason: (value) => value,
};
const REQUIRED = new Set<keyof SubscriptionPatch>(['url', 'events', 'enabled']);

function toSubscription(document: Omit<SubscriptionDocument, 'secrets' | 'consecutiveDead' | 'failingSince'>): Subscription {
  const subscription: Subscription = {
    id: document._id,
    appId: document.appId,
    url: document.url,
    events: document.events,
    enabled: document.enabled,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
  };
  if (document.filter !== undefined) subscription.filter = JSON.parse(document.filter) as Subscription['filter'];
  if (document.merge !== undefined) subscription.merge = document.merge;
  if (document.transform !== undefined) subscription.transform = document.transform;
  if (document.rateLimit !== undefined) subscription.rateLimit = document.rateLimit;
  if (document.headers !== undefined) subscription.headers = JSON.parse(document.headers) as Subscription['headers'];
  if (document.description !== undefined) subscription.description = document.description;
  if (document.disabledReason !== undefined) subscription.disabledReason = document.disabledReason;
  return subscription;
}

function toSecrets(secrets: EncryptedSecrets): EncryptedSecrets {
  return {
    current: secrets.current,
    ...(secrets.previous !== undefined ? { previous: secrets.previous } : {}),
    ...(secrets.previousExpiresAt !== undefined ? { previousExpiresAt: secrets.previousExpiresAt } : {}),
  };
}

/** The `$set` and `$unset` of a patch. Changing `enabled` without naming a reason drops the old reason: the reason belongs to the platform's disabling only. */
function updateOf(patch: SubscriptionPatch, updatedAt: string) {
  const $set: Record<string, unknown> = { updatedAt };
  const $unset: Record<string, ''> = {};
  for (const key of Object.keys(PATCHABLE) as (keyof SubscriptionPatch)[]) {
    if (!Object.hasOwn(patch, key)) continue;
    const value = patch[key];
    if (value !== undefined) $set[key] = (PATCHABLE[key] as (value: unknown) => unknown)(value);
    else if (!REQUIRED.has(key)) $unset[key] = '';
  }
  if (patch.enabled !== undefined && !Object.hasOwn(patch, 'disabledReason')) $unset.disabledReason = '';
  // MongoDB refuses an empty $unset.
  return Object.keys($unset).length > 0 ? { $set, $unset } : { $set };
}

function toHealth(document: Pick<SubscriptionDocument, 'consecutiveDead' | 'failingSince'>): EndpointHealth {
  return { consecutiveDead: document.consecutiveDead, ...(document.failingSince ? { failingSince: document.failingSince.toISOString() } : {}) };
}

/** Subscriptions on MongoDB, with their encrypted signing secrets in the same document. */
export function createMongoSubscriptionStore(handle: MongoHandle): SubscriptionStore {
  const subscriptions = () => handle.collection<SubscriptionDocument>(COLLECTIONS.subscriptions);

  return {
    create(subscription, secrets) {
      return handle.run('create subscription', async (db) => {
        await requireApp(db, subscription.appId, 'create subscription');
        await subscriptions().insertOne({
          _id: subscription.id,
          appId: subscription.appId,
          url: subscription.url,
          events: subscription.events,
          filter: toJsonText(subscription.filter),
          merge: subscription.merge,
          transform: subscription.transform,
          rateLimit: subscription.rateLimit,
          headers: toJsonText(subscription.headers),
          description: subscription.description,
          enabled: subscription.enabled,
          disabledReason: subscription.disabledReason,
          createdAt: subscription.createdAt,
          updatedAt: subscription.updatedAt,
          secrets: toSecrets(secrets),
          consecutiveDead: 0,
        });
      });
    },

    get(id, scope) {
      return handle.run('read subscription', async () => {
        const document = await subscriptions().findOne(inScope({ _id: id }, scope), SHOWN);
        return document ? toSubscription(document) : null;
      });
    },

    list(scope, page) {
      return handle.run('list subscriptions', () => findPage(subscriptions(), inScope({}, scope), page, toSubscription, SHOWN));
    },

    listEnabled(appId) {
      return handle.run('list enabled subscriptions', async () => {
        const documents = await subscriptions().find({ appId, enabled: true }, SHOWN).sort({ _id: 1 }).toArray();
        return documents.map(toSubscription);
      });
    },

    update(id, scope, patch, updatedAt) {
      return handle.run('update subscription', async () => {
        const document = await subscriptions().findOneAndUpdate(inScope({ _id: id }, scope), updateOf(patch, updatedAt), {
          ...SHOWN,
          returnDocument: 'after',
        });
        return document ? toSubscription(document) : null;
      });
    },

    delete(id, scope) {
      return handle.run('delete subscription', async () => (await subscriptions().deleteOne(inScope({ _id: id }, scope))).deletedCount > 0);
    },

    // A run of dead deliveries began at the earliest of them: $min keeps that time when
    // outcomes arrive out of order, and sets it when the run starts.
    recordOutcome(id, appId, outcome, at) {
      return handle.run('record a delivery outcome', async () => {
        const update =
          outcome === 'succeeded'
            ? { $set: { consecutiveDead: 0 }, $unset: { failingSince: '' as const } }
            : { $inc: { consecutiveDead: 1 }, $min: { failingSince: toDate(at, 'at') } };
        const document = await subscriptions().findOneAndUpdate({ _id: id, appId }, update, {
          projection: { consecutiveDead: 1, failingSince: 1 },
          returnDocument: 'after',
        });
        return document ? toHealth(document) : null;
      });
    },

    getSecrets(id) {
      return handle.run('read subscription secrets', async () => {
        const document = await subscriptions().findOne({ _id: id }, { projection: { secrets: 1 } });
        return document ? toSecrets(document.secrets) : null;
      });
    },

    setSecrets(id, secrets, updatedAt) {
      return handle.run('store subscription secrets', async () => {
        const result = await subscriptions().updateOne({ _id: id }, { $set: { secrets: toSecrets(secrets), updatedAt } });
        if (result.matchedCount === 0) throw new NotFoundError(`Subscription ${id}`);
      });
    },
  };
}
