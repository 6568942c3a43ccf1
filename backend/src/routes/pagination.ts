import { z } from '@hono/zod-openapi';
import { AppError } from '../domain/errors.js';
import type { Page, Position } from '../store/page.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/**
 * `limit` for a list route: the default a caller gets without asking and the most one page holds (more is refused
 * with 400, never silently cut), both stated in the OpenAPI document.
 */
export function limitSchema(defaultLimit: number, maxLimit: number) {
  return z.coerce
    .number()
    .int()
    .min(1)
    .max(maxLimit)
    .default(defaultLimit)
    .openapi({ description: `Items per page: ${defaultLimit} unless given, at most ${maxLimit}` });
}

/** `cursor`: the previous page's `nextCursor`, passed back unchanged. */
export const CursorQuerySchema = z
  .string()
  .max(600)
  .optional()
  .openapi({ description: "The previous page's nextCursor: the page after it" });

export const NextCursorSchema = z
  .string()
  .nullable()
  .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' });

/** `limit` + `cursor` for a list route. */
export function pageQuerySchema(defaultLimit: number, maxLimit: number) {
  return { limit: limitSchema(defaultLimit, maxLimit), cursor: CursorQuerySchema };
}

/**
 * The store page a list request asks for: one row more than `limit`, which tells whether a next page exists.
 * `order` names the list (and its order), so a cursor of another list is refused.
 */
export function pageRequest(query: { limit: number; cursor?: string }, order: string): Page {
  return { limit: query.limit + 1, after: query.cursor ? decodeCursor(query.cursor, order) : undefined };
}

/** The answer for rows read with pageRequest: at most `limit` items and the cursor of the page after them. */
export function pageOf<T>(
  rows: T[],
  query: { limit: number },
  order: string,
  positionOf: (row: T) => Position
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(order, positionOf(last)) : null };
}

/**
 * Where a page of a ranked list starts. A ranked list (scores computed on each read) has no stable key to resume
 * after, so its cursor holds how many rows came before, tied to the resource the list belongs to.
 */
export function rankedOffset(query: { cursor?: string }, order: string, ownerId: string): number {
  if (!query.cursor) return 0;
  const { keys, id } = decodeCursor(query.cursor, order);
  const offset = Number(keys[0]);
  if (id !== ownerId || !/^\d{1,5}$/.test(keys[0] ?? '')) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: 'Invalid query: cursor is not one this API issued for this list',
      details: { issues: [{ path: 'cursor', message: 'issued for another list' }] },
    });
  }
  return offset;
}

/** The answer for rows read from rankedOffset with `limit + 1`. */
export function rankedPageOf<T>(
  rows: T[],
  query: { limit: number },
  order: string,
  ownerId: string,
  offset: number
): { items: T[]; nextCursor: string | null } {
  const more = rows.length > query.limit;
  return {
    items: rows.slice(0, query.limit),
    nextCursor: more ? encodeCursor(order, { keys: [String(offset + query.limit)], id: ownerId }) : null,
  };
}
