import { randomUUID } from 'node:crypto';
import { BSON, MongoClient, MongoInvalidArgumentError, MongoServerError, type Collection, type Db } from 'mongodb';
import { UnavailableError, UnrecoverableError } from '../../shared/errors/index.js';
import type { ClosedWindow, Held, HeldEvent, MergeBuffer } from '../ports/merge-buffer.js';

/**
 * A merge window. Its `holdIds` are the hold order; the events themselves are documents of
 * their own, since a window may hold many events whose sum could pass MongoDB's 16 MB limit.
 */
interface WindowDocument {
  _id: string;
  subscriptionId: string;
  appId: string;
  mergeValue: string;
  openedAt: number;
  closesAt: number;
  /** Present (true) while the window takes events; a unique partial index allows one per (subscription, merge value). */
  open?: true;
  holdIds: string[];
}

/** One held event; `_id` is `<subscription id> <hold id>` (subscription ids have no spaces). */
interface HeldDocument {
  _id: string;
  held: HeldEvent;
}

/** How often a hold retries when other holds keep opening or closing the window under it. */
const HOLD_ROUNDS = 5;

export interface MongoMergeBufferOptions {
  /** A MongoDB connection string (`HOOKGATE_MONGODB_URL`). */
  url: string;
  /** Default: the database named in the URL, else `hookgate`. */
  dbName?: string;
  /** How long an operation waits for a reachable server before failing as unavailable; default 5 s. */
  serverSelectionTimeoutMs?: number;
}

/** The database named in the URL (`mongodb://host/<db>`), else `hookgate`, as the storage adapter chooses it. */
function databaseName(options: MongoMergeBufferOptions): string {
  return options.dbName ?? /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(options.url)?.[1] ?? 'hookgate';
}

function heldKey(subscriptionId: string, holdId: string): string {
  return `${subscriptionId} ${holdId}`;
}

/**
 * Server codes that refuse the request itself: BadValue, DocumentValidationFailure,
 * BSONObjectTooLarge, KeyTooLong. The same request fails the same way every time.
 */
const REFUSAL_CODES = new Set([2, 121, 10334, 17280]);

/**
 * True when MongoDB or the driver refused this request for what it holds (too large, not
 * encodable), so retrying cannot help; anything else (network, elections, time-outs, a server
 * error not known to be a refusal) is taken as "not now".
 */
function isRefusal(error: unknown): boolean {
  // A document past the BSON size or depth limit fails while it is encoded, as a RangeError.
  if (error instanceof BSON.BSONError || error instanceof MongoInvalidArgumentError || error instanceof RangeError) return true;
  return error instanceof MongoServerError && REFUSAL_CODES.has(Number(error.code));
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

function toHeld(window: WindowDocument, opened: boolean, repeated: boolean): Held {
  return { windowId: window._id, openedAt: window.openedAt, closesAt: window.closesAt, count: window.holdIds.length, opened, repeated };
}

/**
 * The merge buffer on MongoDB, for processors of the distributed mode: every processor replica
 * shares the windows, and a window's events outlive the replica that held them. Each step is
 * one atomic document write, ordered so that a crash between two of them loses nothing: an
 * event is stored before its window names it, and a window is forgotten before its events.
 *
 * @example
 * const mergeBuffer = createMongoMergeBuffer({ url: config.mongodbUrl });
 * await mergeBuffer.start();
 */
export function createMongoMergeBuffer(options: MongoMergeBufferOptions): MergeBuffer {
  let client: MongoClient | undefined;
  let db: Db | undefined;

  function collections(): { windows: Collection<WindowDocument>; events: Collection<HeldDocument> } {
    if (db === undefined) throw new UnavailableError('The merge buffer is not open.');
    return { windows: db.collection<WindowDocument>('merge_windows'), events: db.collection<HeldDocument>('merge_events') };
  }

  async function run<T>(what: string, work: (open: ReturnType<typeof collections>) => Promise<T>): Promise<T> {
    try {
      return await work(collections());
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      // A refusal must not pass for "unavailable": the processor would redeliver the event to every subscription of its app.
      if (isRefusal(error)) throw new UnrecoverableError(`The merge buffer cannot ${what}: ${(error as Error).message}`, { cause: error });
      throw new UnavailableError(`The merge buffer cannot ${what} right now.`, error);
    }
  }

  return {
    async start() {
      if (client) return;
      const opened = new MongoClient(options.url, {
        appName: 'hookgate-merge-buffer',
        serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5_000,
        // An absent optional field (traceparent) stays absent rather than coming back null.
        ignoreUndefined: true,
      });
      try {
        await opened.connect();
        const database = opened.db(databaseName(options));
        await database.collection('merge_windows').createIndexes([
          { key: { subscriptionId: 1, mergeValue: 1 }, name: 'merge_windows_open', unique: true, partialFilterExpression: { open: true } },
          // Multikey: an event is held in one window of its subscription at most.
          { key: { subscriptionId: 1, holdIds: 1 }, name: 'merge_windows_holds', unique: true },
        ]);
        client = opened;
        db = database;
      } catch (error) {
        await opened.close().catch(() => undefined);
        throw new UnavailableError('The merge buffer cannot start on MongoDB.', error);
      }
    },

    hold(request, now) {
      return run('hold an event', async ({ windows, events }) => {
        const { subscriptionId, holdId, mergeValue } = request;
        try {
          await events.insertOne({ _id: heldKey(subscriptionId, holdId), held: request.event });
        } catch (error) {
          if (!isDuplicateKey(error)) throw error; // stored by an earlier hold of this event
        }
        const candidate = randomUUID();
        for (let round = 0; round < HOLD_ROUNDS; round++) {
          try {
            const window = await windows.findOneAndUpdate(
              { subscriptionId, mergeValue, open: true, closesAt: { $gt: now }, holdIds: { $ne: holdId } },
              { $push: { holdIds: holdId }, $setOnInsert: { _id: candidate, appId: request.appId, openedAt: now, closesAt: now + request.windowMs } },
              { upsert: true, returnDocument: 'after' },
            );
            // An upsert returns a document whether it matched or inserted.
            return toHeld(window!, window!._id === candidate, false);
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
          }
          // The upsert ran into a window already there: one holding this event, one whose
          // time is up (its flush is on the way, so it is closed and the next one opened), or
          // one another hold opened just now (joined on the next round).
          const holder = await windows.findOne({ subscriptionId, holdIds: holdId });
          if (holder !== null) return toHeld(holder, false, true);
          await windows.updateMany({ subscriptionId, mergeValue, open: true, closesAt: { $lte: now } }, { $unset: { open: '' } });
        }
        throw new UnavailableError('The merge buffer cannot hold the event: its window kept changing; retry.');
      });
    },

    close(windowId) {
      return run('close a merge window', async ({ windows, events }): Promise<ClosedWindow | null> => {
        const window = await windows.findOneAndUpdate({ _id: windowId }, { $unset: { open: '' } }, { returnDocument: 'after' });
        if (window === null) return null;
        const keys = window.holdIds.map((holdId) => heldKey(window.subscriptionId, holdId));
        const stored = new Map((await events.find({ _id: { $in: keys } }).toArray()).map((document) => [document._id, document.held]));
        return {
          windowId,
          subscriptionId: window.subscriptionId,
          appId: window.appId,
          openedAt: window.openedAt,
          events: keys.flatMap((key) => stored.get(key) ?? []),
        };
      });
    },

    // The window first: a crash before its events go leaves them unreachable but harmless,
    // where the other order could leave a window whose flush finds its events gone.
    release(windowId) {
      return run('release a merge window', async ({ windows, events }) => {
        const window = await windows.findOneAndDelete({ _id: windowId });
        if (window !== null) await events.deleteMany({ _id: { $in: window.holdIds.map((holdId) => heldKey(window.subscriptionId, holdId)) } });
      });
    },

    async stop() {
      const open = client;
      client = undefined;
      db = undefined;
      await open?.close();
    },
  };
}
