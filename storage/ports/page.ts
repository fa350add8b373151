/** Cursor paging shared by every list query: `cursor` is the last id of the previous page. */
export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Which tenant's data a query may see: an app id, or `undefined` for the operator, who sees
 * every app. A record of another app is reported as not found, never as forbidden.
 */
export type TenantScope = string | undefined;
