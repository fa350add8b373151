import { UnavailableError } from '../../../shared/errors/index.js';
import type { StoredEvent } from '../../../shared/types.js';
import type { EventStore, InsertEventResult } from '../../ports/index.js';
import type { MongoHandle } from './connection.js';
import { findPage, inScope, requireApp, toDate } from './documents.js';
import { isDuplicateKey } from './mongo-errors.js';
import { COLLECTIONS, IDEMPOTENCY_CLAIM_INDEX } from './schema.js';

interface EventDocument {
  _id: string;
  appId: string;
  type: string;
  data: unknown;
  occurredAt: string;
  receivedAt: string;
  receivedDate: Date;
  idempotencyKey?: string;
  /** The idempotency key while this event holds it; unique per app (see below). */
  idempotencyClaim?: string;
  queued: boolean;
}

/** How often an insert tries to take a key that keeps changing hands before giving up. */
const CLAIM_ROUNDS = 5;

function toEvent(document: EventDocument): StoredEvent {
  return {
    id: document._id,
    appId: document.appId,
    type: document.type,
    data: document.data,
    occurredAt: document.occurredAt,
    receivedAt: document.receivedAt,
    ...(document.idempotencyKey !== undefined ? { idempotencyKey: document.idempotencyKey } : {}),
  };
}

/**
 * Events on MongoDB. An idempotency key is held by one event per app at a time: the event
 * stores the key twice, as `idempotencyKey` (kept for good) and as `idempotencyClaim`, on which
 * a unique partial index (app, claim) lets only one event hold it. So two racing inserts with
 * one key yield one event, the loser finding the winner through the index. Once the holder is
 * older than the window, the next insert with the key releases the claim (unsets it, the old
 * event keeps its key) and takes it.
 */
export function createMongoEventStore(handle: MongoHandle): EventStore {
  const events = () => handle.collection<EventDocument>(COLLECTIONS.events);

  async function insertClaiming(document: EventDocument, key: string, windowMs: number): Promise<InsertEventResult> {
    // The window is measured on the candidate's receivedAt, the caller's clock, so every
    // replica of a tier judges a key the same way whatever this host's clock says.
    const now = document.receivedDate.getTime();
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      await events().updateOne(
        { appId: document.appId, idempotencyClaim: key, receivedDate: { $lte: new Date(now - windowMs) } },
        { $unset: { idempotencyClaim: '' } },
      );
      try {
        await events().insertOne({ ...document, idempotencyClaim: key });
        return { event: toEvent(document), created: true, queued: false };
      } catch (error) {
        if (!isDuplicateKey(error, IDEMPOTENCY_CLAIM_INDEX)) throw error;
      }
      const holder = await events().findOne({ appId: document.appId, idempotencyClaim: key });
      if (holder !== null && now - holder.receivedDate.getTime() < windowMs) {
        return { event: toEvent(holder), created: false, queued: holder.queued };
      }
      // The holder was released, or its window passed, since we looked: try again.
    }
    throw new UnavailableError(`Cannot store the event: its idempotency key ${JSON.stringify(key)} kept changing hands; retry.`);
  }

  return {
    insert(event, idempotencyWindowMs) {
      return handle.run('store event', async (db) => {
        const document: EventDocument = {
          _id: event.id,
          appId: event.appId,
          type: event.type,
          data: event.data ?? null,
          occurredAt: event.occurredAt,
          receivedAt: event.receivedAt,
          receivedDate: toDate(event.receivedAt, 'receivedAt'),
          idempotencyKey: event.idempotencyKey,
          queued: false,
        };
        // Stands in for SQLite's foreign key, and no caller can vouch for the app instead: the
        // gateway trusts an app key from a cache for seconds after its app is deleted, and the
        // outbox relay and platform events check nothing. An event landing after the app's
        // cascade would outlive it.
        await requireApp(db, event.appId, 'store event');
        if (event.idempotencyKey !== undefined) return insertClaiming(document, event.idempotencyKey, idempotencyWindowMs);
        await events().insertOne(document);
        return { event: toEvent(document), created: true, queued: false };
      });
    },

    markQueued(id) {
      return handle.run('mark event queued', async () => {
        await events().updateOne({ _id: id }, { $set: { queued: true } });
      });
    },

    get(id, scope) {
      return handle.run('read event', async () => {
        const document = await events().findOne(inScope({ _id: id }, scope));
        return document ? toEvent(document) : null;
      });
    },

    list(scope, query, page) {
      return handle.run('list events', async () => {
        const after = query.after !== undefined ? toDate(query.after, 'after') : undefined;
        const filter = inScope<EventDocument>(
          { ...(query.type !== undefined ? { type: query.type } : {}), ...(after !== undefined ? { receivedDate: { $gt: after } } : {}) },
          scope,
        );
        return findPage(events(), filter, page, toEvent);
      });
    },
  };
}
