import type { Collection, Db, Document, Filter, FindOptions, WithId } from 'mongodb';
import { ConflictError, ValidationError } from '../../../shared/errors/index.js';
import type { Page, PageRequest, TenantScope } from '../../ports/index.js';
import { COLLECTIONS } from './schema.js';

/** Restricts a filter to one app unless the scope is the operator's. */
export function inScope<T extends Document>(filter: Filter<T>, scope: TenantScope): Filter<T> {
  return scope === undefined ? filter : ({ ...filter, appId: scope } as Filter<T>);
}

/**
 * One page of a list query, in `_id` order after the cursor, fetching one extra document to
 * learn whether a next page exists; `nextCursor` is the last id shown when one does.
 */
export async function findPage<D extends { _id: string }, T extends { id: string }>(
  collection: Collection<D>,
  filter: Filter<D>,
  page: PageRequest,
  map: (document: WithId<D>) => T,
  options: FindOptions = {},
): Promise<Page<T>> {
  const limit = Math.max(1, Math.floor(page.limit));
  const query = page.cursor === undefined ? filter : ({ ...filter, _id: { $gt: page.cursor } } as Filter<D>);
  const documents = await collection.find(query, options).sort({ _id: 1 }).limit(limit + 1).toArray();
  const data = documents.slice(0, limit).map(map);
  return { data, nextCursor: documents.length > limit ? (data.at(-1)?.id ?? null) : null };
}

/** The BSON date of an RFC 3339 time; a ValidationError naming `path` when it is not one. */
export function toDate(time: string, path: string): Date {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new ValidationError([{ path, message: 'must be an RFC 3339 time' }]);
  return date;
}

export async function appExists(db: Db, appId: string): Promise<boolean> {
  return (await db.collection<{ _id: string }>(COLLECTIONS.apps).findOne({ _id: appId }, { projection: { _id: 1 } })) !== null;
}

/**
 * Refuses a record of an app that does not exist, as the SQLite adapter's foreign keys do.
 * MongoDB has no foreign keys, so a record racing its app's deletion may outlive it; deleting
 * the app again removes it.
 */
export async function requireApp(db: Db, appId: string, what: string): Promise<void> {
  if (!(await appExists(db, appId))) {
    throw new ConflictError(`Cannot ${what}: it refers to a record that does not exist (was its app deleted?).`);
  }
}
