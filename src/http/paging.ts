import { AppError } from '../core/errors.js';

// Lists page two ways: by cursor (page_size + page_token, the default) or by offset with a total
// (page + per_page) for callers that need page numbers. One place decides which a request asked for.

export interface PagingQuery {
  page_size?: number | undefined;
  page_token?: string | undefined;
  page?: number | undefined;
  per_page?: number | undefined;
}

export interface OffsetPage {
  page: number;
  perPage: number;
}

export interface CursorPage {
  pageSize: number;
  pageToken: string | undefined;
}

/** The offset page asked for, or undefined for cursor paging; both at once is a 400. */
export function offsetPage(q: PagingQuery): OffsetPage | undefined {
  if (q.page === undefined && q.per_page === undefined) return undefined;
  if (q.page_token !== undefined)
    throw new AppError(
      'invalid_query',
      'Use either page_token (cursor paging) or page/per_page (offset paging), not both.',
    );
  return { page: q.page ?? 1, perPage: q.per_page ?? 50 };
}

export function cursorPage(q: PagingQuery): CursorPage {
  return { pageSize: q.page_size ?? 50, pageToken: q.page_token };
}

/** Answers a list request either way, rendering each item with `show`. */
export async function pagedList<Item, Shown>(
  q: PagingQuery,
  byOffset: (page: OffsetPage) => Promise<{ items: Item[]; total: number }>,
  byCursor: (page: CursorPage) => Promise<{ items: Item[]; nextPageToken: string | undefined }>,
  show: (item: Item) => Shown,
): Promise<{ data: Shown[]; total?: number; page?: number; per_page?: number; next_page_token?: string }> {
  const offset = offsetPage(q);
  if (offset !== undefined) {
    const result = await byOffset(offset);
    return { data: result.items.map(show), total: result.total, page: offset.page, per_page: offset.perPage };
  }
  const result = await byCursor(cursorPage(q));
  return {
    data: result.items.map(show),
    ...(result.nextPageToken !== undefined ? { next_page_token: result.nextPageToken } : {}),
  };
}
