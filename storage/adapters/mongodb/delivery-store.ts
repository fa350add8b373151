import type { Attempt, Delivery, DeliveryRef, DeliveryStatus } from '../../../shared/types.js';
import type { DeliveryStore } from '../../ports/index.js';
import type { MongoHandle } from './connection.js';
import { appExists, findPage, inScope, toDate } from './documents.js';
import { isDuplicateKey } from './mongo-errors.js';
import { COLLECTIONS } from './schema.js';

interface DeliveryDocument {
  _id: string;
  appId: string;
  eventId: string;
  subscriptionId: string;
  status: DeliveryStatus;
  attemptCount: number;
  createdAt: string;
  updatedAt: string;
  updatedDate: Date;
  nextAttemptAt?: string;
  lastError?: string;
  mergedEventIds?: string[];
}

/** An attempt carries its delivery's app, so deleting the app finds it. */
interface AttemptDocument {
  _id: string;
  deliveryId: string;
  appId: string;
  number: number;
  at: string;
  attemptedDate: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
}

function toDelivery(document: DeliveryDocument): Delivery {
  return {
    id: document._id,
    appId: document.appId,
    eventId: document.eventId,
    subscriptionId: document.subscriptionId,
    status: document.status,
    attemptCount: document.attemptCount,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
    ...(document.nextAttemptAt !== undefined ? { nextAttemptAt: document.nextAttemptAt } : {}),
    ...(document.lastError !== undefined ? { lastError: document.lastError } : {}),
    ...(document.mergedEventIds !== undefined ? { mergedEventIds: document.mergedEventIds } : {}),
  };
}

function toAttempt(document: AttemptDocument): Attempt {
  return {
    id: document._id,
    deliveryId: document.deliveryId,
    number: document.number,
    at: document.at,
    statusCode: document.statusCode,
    durationMs: document.durationMs,
    error: document.error,
    responseBody: document.responseBody,
  };
}

/**
 * Deliveries and their attempts on MongoDB. Results reach it from a queue, so every write is
 * idempotent and order-tolerant: a repeat changes nothing, an attempt may arrive before its
 * scheduling record, and an older attempt never overwrites a newer outcome. Results for an
 * app that has been deleted are dropped, since everything the app owned is gone.
 */
export function createMongoDeliveryStore(handle: MongoHandle): DeliveryStore {
  const deliveries = () => handle.collection<DeliveryDocument>(COLLECTIONS.deliveries);
  const attempts = () => handle.collection<AttemptDocument>(COLLECTIONS.attempts);

  /** Creates the delivery as pending unless it exists; false when its app no longer does. */
  async function ensureDelivery(delivery: DeliveryRef): Promise<boolean> {
    if (!(await appExists(handle.database(), delivery.appId))) return false;
    const pending: Omit<DeliveryDocument, '_id'> = {
      appId: delivery.appId,
      eventId: delivery.eventId,
      subscriptionId: delivery.subscriptionId,
      status: 'pending',
      attemptCount: 0,
      createdAt: delivery.createdAt,
      updatedAt: delivery.createdAt,
      updatedDate: toDate(delivery.createdAt, 'createdAt'),
      mergedEventIds: delivery.mergedEventIds,
    };
    try {
      await deliveries().updateOne({ _id: delivery.id }, { $setOnInsert: pending }, { upsert: true });
    } catch (error) {
      // Two results creating it at once: the other one did.
      if (!isDuplicateKey(error)) throw error;
    }
    return true;
  }

  return {
    recordScheduled(delivery) {
      return handle.run('record scheduled delivery', async () => {
        await ensureDelivery(delivery);
      });
    },

    recordAttempt(delivery, attempt, outcome) {
      return handle.run('record delivery attempt', async () => {
        if (!(await ensureDelivery(delivery))) return;
        try {
          await attempts().insertOne({
            _id: attempt.id,
            deliveryId: delivery.id,
            appId: delivery.appId,
            number: attempt.number,
            at: attempt.at,
            attemptedDate: toDate(attempt.at, 'at'),
            statusCode: attempt.statusCode,
            durationMs: attempt.durationMs,
            error: attempt.error,
            responseBody: attempt.responseBody,
          });
        } catch (error) {
          // A repeat. The update below still runs: it is idempotent, and finishes the work of
          // a first delivery of this result that stopped between the two writes.
          if (!isDuplicateKey(error)) throw error;
        }
        // Only a later attempt than any recorded moves the delivery on; a late-arriving earlier
        // one is kept in the history but must not undo, say, a success.
        const $set = {
          status: outcome.status,
          attemptCount: attempt.number,
          updatedAt: attempt.at,
          updatedDate: toDate(attempt.at, 'at'),
          ...(outcome.nextAttemptAt !== undefined ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
          ...(outcome.lastError !== undefined ? { lastError: outcome.lastError } : {}),
        };
        const $unset = {
          ...(outcome.nextAttemptAt === undefined ? { nextAttemptAt: '' as const } : {}),
          ...(outcome.lastError === undefined ? { lastError: '' as const } : {}),
        };
        await deliveries().updateOne(
          { _id: delivery.id, attemptCount: { $lt: attempt.number } },
          Object.keys($unset).length > 0 ? { $set, $unset } : { $set },
        );
      });
    },

    // Compare-and-set: null unless this call moved a failed or dead delivery to pending, also
    // when the delivery exists but is pending or succeeded. So of two racing retries only one
    // gets the delivery back and queues an attempt; the caller reads it to say why not.
    markRetrying(id, scope, at) {
      return handle.run('mark delivery for retry', async () => {
        const document = await deliveries().findOneAndUpdate(
          inScope<DeliveryDocument>({ _id: id, status: { $in: ['failed', 'dead'] } }, scope),
          { $set: { status: 'pending', nextAttemptAt: at, updatedAt: at, updatedDate: toDate(at, 'at') } },
          { returnDocument: 'after' },
        );
        return document ? toDelivery(document) : null;
      });
    },

    get(id, scope) {
      return handle.run('read delivery', async () => {
        const document = await deliveries().findOne(inScope({ _id: id }, scope));
        if (document === null) return null;
        const history = await attempts().find({ deliveryId: id }).sort({ number: 1, attemptedDate: 1, _id: 1 }).toArray();
        return { ...toDelivery(document), attempts: history.map(toAttempt) };
      });
    },

    list(scope, query, page) {
      return handle.run('list deliveries', () => {
        const filter = inScope<DeliveryDocument>(
          {
            ...(query.subscriptionId !== undefined ? { subscriptionId: query.subscriptionId } : {}),
            ...(query.eventId !== undefined ? { eventId: query.eventId } : {}),
            ...(query.status !== undefined ? { status: query.status } : {}),
          },
          scope,
        );
        return findPage(deliveries(), filter, page, toDelivery);
      });
    },
  };
}
