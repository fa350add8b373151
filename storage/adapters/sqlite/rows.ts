import type { Page, PageRequest, TenantScope } from '../../ports/index.js';

/** A value for a JSON column; `undefined` becomes NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** A JSON column read back; NULL becomes `undefined`. */
export function fromJson<T>(value: string | null): T | undefined {
  return value === null ? undefined : (JSON.parse(value) as T);
}

/** A WHERE clause built from conditions that apply, with their parameters in order. */
export class Where {
  private readonly conditions: string[] = [];
  readonly params: unknown[] = [];

  /** Adds `condition` with its parameter unless the value is undefined. */
  when(value: unknown, condition: string): this {
    if (value !== undefined) {
      this.conditions.push(condition);
      this.params.push(value);
    }
    return this;
  }

  /** Restricts to one app unless the scope is the operator's. */
  scope(scope: TenantScope, column = 'app_id'): this {
    return this.when(scope, `${column} = ?`);
  }

  toString(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }
}

/** Adds the cursor condition, limit and order shared by every list query: ids ascending, one extra row to learn whether a next page exists. */
export function pageQuery(where: Where, page: PageRequest): { clause: string; params: unknown[] } {
  where.when(page.cursor, 'id > ?');
  return { clause: `${where.toString()} ORDER BY id LIMIT ?`, params: [...where.params, pageLimit(page) + 1] };
}

/** Cuts the extra row off and sets `nextCursor` to the last id shown when more rows follow. */
export function toPage<Row, T extends { id: string }>(rows: Row[], page: PageRequest, map: (row: Row) => T): Page<T> {
  const limit = pageLimit(page);
  const data = rows.slice(0, limit).map(map);
  const hasMore = rows.length > limit;
  return { data, nextCursor: hasMore ? (data.at(-1)?.id ?? null) : null };
}

function pageLimit(page: PageRequest): number {
  return Math.max(1, Math.floor(page.limit));
}
