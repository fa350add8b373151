import { NotFoundError } from '../../../shared/errors/index.js';
import type { Subscription } from '../../../shared/types.js';
import type { EncryptedSecrets, SubscriptionPatch, SubscriptionStore } from '../../ports/index.js';
import type { SqliteHandle } from './database.js';
import { fromJson, pageQuery, toJson, toPage, Where } from './rows.js';

interface SubscriptionRow {
  id: string;
  app_id: string;
  url: string;
  events: string;
  filter: string | null;
  merge: string | null;
  transform: string | null;
  rate_limit: string | null;
  headers: string | null;
  description: string | null;
  enabled: number;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

interface SecretsRow {
  secret_current: string;
  secret_previous: string | null;
  secret_previous_expires_at: string | null;
}

const COLUMNS =
  'id, app_id, url, events, filter, merge, transform, rate_limit, headers, description, enabled, disabled_reason, created_at, updated_at';

/**
 * Each patchable field: its column, how its value is stored, and whether `undefined` may clear
 * it (a required field given as `undefined` is left as it is).
 */
const PATCHABLE: { [K in keyof Required<SubscriptionPatch>]: { column: string; encode: (value: SubscriptionPatch[K]) => unknown; optional: boolean } } = {
  url: { column: 'url', encode: (value) => value, optional: false },
  events: { column: 'events', encode: toJson, optional: false },
  filter: { column: 'filter', encode: toJson, optional: true },
  merge: { column: 'merge', encode: toJson, optional: true },
  transform: { column: 'transform', encode: (value) => value ?? null, optional: true },
  rateLimit: { column: 'rate_limit', encode: toJson, optional: true },
  headers: { column: 'headers', encode: toJson, optional: true },
  description: { column: 'description', encode: (value) => value ?? null, optional: true },
  enabled: { column: 'enabled', encode: (value) => (value ? 1 : 0), optional: false },
  disabledReason: { column: 'disabled_reason', encode: (value) => value ?? null, optional: true },
};

function toSubscription(row: SubscriptionRow): Subscription {
  const subscription: Subscription = {
    id: row.id,
    appId: row.app_id,
    url: row.url,
    events: fromJson<string[]>(row.events) ?? [],
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  const filter = fromJson<Subscription['filter']>(row.filter);
  const merge = fromJson<Subscription['merge']>(row.merge);
  const rateLimit = fromJson<Subscription['rateLimit']>(row.rate_limit);
  const headers = fromJson<Subscription['headers']>(row.headers);
  if (filter !== undefined) subscription.filter = filter;
  if (merge !== undefined) subscription.merge = merge;
  if (row.transform !== null) subscription.transform = row.transform;
  if (rateLimit !== undefined) subscription.rateLimit = rateLimit;
  if (headers !== undefined) subscription.headers = headers;
  if (row.description !== null) subscription.description = row.description;
  if (row.disabled_reason !== null) subscription.disabledReason = row.disabled_reason;
  return subscription;
}

function toSecrets(row: SecretsRow): EncryptedSecrets {
  return {
    current: row.secret_current,
    ...(row.secret_previous !== null ? { previous: row.secret_previous } : {}),
    ...(row.secret_previous_expires_at !== null ? { previousExpiresAt: row.secret_previous_expires_at } : {}),
  };
}

/** The SET assignments of a patch. Changing `enabled` without naming a reason drops the old reason: the reason belongs to the platform's disabling only. */
function assignments(patch: SubscriptionPatch): { sets: string[]; params: unknown[] } {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const key of Object.keys(PATCHABLE) as (keyof SubscriptionPatch)[]) {
    if (!Object.hasOwn(patch, key)) continue;
    const field = PATCHABLE[key] as { column: string; encode: (value: unknown) => unknown; optional: boolean };
    const value = patch[key];
    if (value === undefined && !field.optional) continue;
    sets.push(`${field.column} = ?`);
    params.push(field.encode(value));
  }
  if (Object.hasOwn(patch, 'enabled') && patch.enabled !== undefined && !Object.hasOwn(patch, 'disabledReason')) {
    sets.push('disabled_reason = NULL');
  }
  return { sets, params };
}

/** Subscriptions on SQLite, with their encrypted signing secrets in the same row. */
export function createSqliteSubscriptionStore(handle: SqliteHandle): SubscriptionStore {
  function read(id: string, scope: string | undefined): Subscription | null {
    const where = new Where().when(id, 'id = ?').scope(scope);
    const row = handle.statement(`SELECT ${COLUMNS} FROM subscriptions ${where}`).get(...where.params) as SubscriptionRow | undefined;
    return row ? toSubscription(row) : null;
  }

  return {
    create(subscription, secrets) {
      return handle.run('create subscription', () => {
        handle
          .statement(
            `INSERT INTO subscriptions (${COLUMNS}, secret_current, secret_previous, secret_previous_expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            subscription.id,
            subscription.appId,
            subscription.url,
            toJson(subscription.events),
            toJson(subscription.filter),
            toJson(subscription.merge),
            subscription.transform ?? null,
            toJson(subscription.rateLimit),
            toJson(subscription.headers),
            subscription.description ?? null,
            subscription.enabled ? 1 : 0,
            subscription.disabledReason ?? null,
            subscription.createdAt,
            subscription.updatedAt,
            secrets.current,
            secrets.previous ?? null,
            secrets.previousExpiresAt ?? null,
          );
      });
    },

    get(id, scope) {
      return handle.run('read subscription', () => read(id, scope));
    },

    list(scope, page) {
      return handle.run('list subscriptions', () => {
        const { clause, params } = pageQuery(new Where().scope(scope), page);
        const rows = handle.statement(`SELECT ${COLUMNS} FROM subscriptions ${clause}`).all(...params) as SubscriptionRow[];
        return toPage(rows, page, toSubscription);
      });
    },

    listEnabled(appId) {
      return handle.run('list enabled subscriptions', () => {
        const rows = handle
          .statement(`SELECT ${COLUMNS} FROM subscriptions WHERE app_id = ? AND enabled = 1 ORDER BY id`)
          .all(appId) as SubscriptionRow[];
        return rows.map(toSubscription);
      });
    },

    update(id, scope, patch, updatedAt) {
      return handle.transaction('update subscription', () => {
        if (read(id, scope) === null) return null;
        const { sets, params } = assignments(patch);
        handle.statement(`UPDATE subscriptions SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ?`).run(...params, updatedAt, id);
        return read(id, scope);
      });
    },

    delete(id, scope) {
      return handle.run('delete subscription', () => {
        const where = new Where().when(id, 'id = ?').scope(scope);
        return handle.statement(`DELETE FROM subscriptions ${where}`).run(...where.params).changes > 0;
      });
    },

    recordOutcome(id, appId, outcome, at) {
      return handle.transaction('record a delivery outcome', () => {
        const change =
          outcome === 'succeeded'
            ? handle.statement('UPDATE subscriptions SET consecutive_dead = 0, failing_since = NULL WHERE id = ? AND app_id = ?').run(id, appId)
            : handle
                .statement('UPDATE subscriptions SET consecutive_dead = consecutive_dead + 1, failing_since = COALESCE(failing_since, ?) WHERE id = ? AND app_id = ?')
                .run(at, id, appId);
        if (change.changes === 0) return null;
        const row = handle.statement('SELECT consecutive_dead, failing_since FROM subscriptions WHERE id = ?').get(id) as {
          consecutive_dead: number;
          failing_since: string | null;
        };
        return { consecutiveDead: row.consecutive_dead, ...(row.failing_since !== null ? { failingSince: row.failing_since } : {}) };
      });
    },

    getSecrets(id) {
      return handle.run('read subscription secrets', () => {
        const row = handle
          .statement('SELECT secret_current, secret_previous, secret_previous_expires_at FROM subscriptions WHERE id = ?')
          .get(id) as SecretsRow | undefined;
        return row ? toSecrets(row) : null;
      });
    },

    setSecrets(id, secrets, updatedAt) {
      return handle.run('store subscription secrets', () => {
        const result = handle
          .statement('UPDATE subscriptions SET secret_current = ?, secret_previous = ?, secret_previous_expires_at = ?, updated_at = ? WHERE id = ?')
          .run(secrets.current, secrets.previous ?? null, secrets.previousExpiresAt ?? null, updatedAt, id);
        if (result.changes === 0) throw new NotFoundError(`Subscription ${id}`);
      });
    },
  };
}
