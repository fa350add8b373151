import type { ApiClient } from '../support/api-client.js';

/**
 * What exists on the platform, as the operator's list APIs show it: apps, their keys,
 * subscriptions and events, each by id with the fields a request could change. Deliveries are
 * left out on purpose: the processor creates and updates them in the background.
 */
export type PlatformSnapshot = Map<string, string>;

/** Fields the platform itself changes in the background (a subscription it disables). */
function stable(item: Record<string, unknown>): string {
  if (typeof item.disabledReason === 'string') {
    const { enabled: _enabled, disabledReason: _reason, updatedAt: _updated, ...rest } = item;
    return JSON.stringify(rest);
  }
  return JSON.stringify(item);
}

async function everyPage(admin: ApiClient, path: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: { status: number; body: any } = await admin.get(`${path}${separator}limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (page.status !== 200) throw new Error(`snapshot: GET ${path} answered ${page.status} ${JSON.stringify(page.body).slice(0, 500)}`);
    items.push(...(page.body.data as Record<string, unknown>[]));
    cursor = (page.body.nextCursor as string | null | undefined) ?? null;
  } while (cursor !== null);
  return items;
}

/** Reads everything a refused request must not have created, changed or deleted. */
export async function takeSnapshot(admin: ApiClient): Promise<PlatformSnapshot> {
  const snapshot: PlatformSnapshot = new Map();
  const apps = await everyPage(admin, '/v1/apps');
  for (const app of apps) snapshot.set(app.id as string, JSON.stringify(app));
  const keyLists = await Promise.all(apps.map((app) => admin.get(`/v1/apps/${app.id as string}/keys`)));
  for (const list of keyLists) {
    if (list.status !== 200) throw new Error(`snapshot: keys answered ${list.status}`);
    for (const key of list.body.data as Record<string, unknown>[]) snapshot.set(key.id as string, JSON.stringify(key));
  }
  for (const subscription of await everyPage(admin, '/v1/subscriptions')) snapshot.set(subscription.id as string, stable(subscription));
  // Events never change once stored: their id and type say whether one appeared or went.
  for (const event of await everyPage(admin, '/v1/events')) snapshot.set(event.id as string, `${event.appId as string} ${event.type as string}`);
  return snapshot;
}

/** What differs between two snapshots, one line per id; empty when equal. */
export function diffSnapshots(before: PlatformSnapshot, after: PlatformSnapshot): string[] {
  const lines: string[] = [];
  for (const [id, value] of after) {
    if (!before.has(id)) lines.push(`created ${id}: ${value.slice(0, 300)}`);
    else if (before.get(id) !== value) lines.push(`changed ${id}:\n    before ${before.get(id)!.slice(0, 300)}\n    after  ${value.slice(0, 300)}`);
  }
  for (const id of before.keys()) if (!after.has(id)) lines.push(`deleted ${id}`);
  return lines;
}

/** A real id the fuzz can aim at, with the app it belongs to. */
export interface PoolEntry {
  id: string;
  appId?: string;
  /** The fixtures' apps and keys: never the target of a DELETE, so the run keeps its callers. */
  protected?: boolean;
}

const ID_PATTERN = /^(app|key|sub|evt|dlv|att)_[0-9A-Za-z]+$/;

/**
 * Ids of things that exist (or existed), by prefix, gathered from fixtures and from every
 * successful answer, plus the list cursors seen, so that path parameters and `?cursor=` hit
 * real resources part of the time.
 */
export class IdPool {
  readonly #byPrefix = new Map<string, PoolEntry[]>();
  readonly cursors: string[] = [];

  add(entry: PoolEntry): void {
    const prefix = entry.id.slice(0, entry.id.indexOf('_') + 1);
    const entries = this.#byPrefix.get(prefix) ?? [];
    if (!entries.some((existing) => existing.id === entry.id)) entries.push(entry);
    this.#byPrefix.set(prefix, entries);
  }

  remove(id: string): void {
    for (const entries of this.#byPrefix.values()) {
      const index = entries.findIndex((entry) => entry.id === id);
      if (index >= 0) entries.splice(index, 1);
    }
  }

  /** The `pick`-th entry (modulo) with `prefix`: unprotected ones only when `forDelete`, `appId`'s only when given (if it has any). */
  pick(prefix: string, pick: number, forDelete = false, appId?: string): PoolEntry | undefined {
    let entries = (this.#byPrefix.get(prefix) ?? []).filter((entry) => !forDelete || !entry.protected);
    const owned = entries.filter((entry) => entry.appId === appId);
    if (appId !== undefined && owned.length > 0) entries = owned;
    return entries.length === 0 ? undefined : entries[pick % entries.length];
  }

  /** Remembers every `{id, appId?}` object and `nextCursor` in a successful answer's body. */
  harvest(body: unknown, appIdFromPath?: string): void {
    const visit = (node: unknown, depth: number): void => {
      if (depth > 4 || node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) {
        node.slice(0, 50).forEach((item) => visit(item, depth + 1));
        return;
      }
      const record = node as Record<string, unknown>;
      if (typeof record.id === 'string' && ID_PATTERN.test(record.id)) {
        const appId = typeof record.appId === 'string' ? record.appId : record.id.startsWith('app_') ? record.id : appIdFromPath;
        this.add({ id: record.id, ...(appId ? { appId } : {}) });
      }
      if (typeof record.nextCursor === 'string' && this.cursors.length < 50) this.cursors.push(record.nextCursor);
      for (const [key, value] of Object.entries(record)) if (key !== 'data' || depth < 2) visit(value, depth + 1);
    };
    visit(body, 0);
  }
}
