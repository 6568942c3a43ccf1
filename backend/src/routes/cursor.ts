import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { Position } from '../store/page.js';

// k: the list and order it was issued for (a cursor of one order means nothing in another); v: the row's sort keys; id.
const CursorSchema = z.object({
  k: z.string().max(40),
  v: z.array(z.string().max(200)).min(1).max(4),
  id: z.uuid(),
});

/** An opaque keyset position in a sort: the last row's sort keys and id, base64url JSON. */
export function encodeCursor(order: string, position: Position): string {
  return Buffer.from(JSON.stringify({ k: order, v: position.keys, id: position.id })).toString('base64url');
}

function invalid(message: string): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    message: `Invalid query: ${message}`,
    details: { issues: [{ path: 'cursor', message }] },
  });
}

/** The position a cursor of `order` holds; 400 VALIDATION_FAILED for anything else (forged, or another order's). */
export function decodeCursor(cursor: string, order: string): Position {
  let parsed: z.infer<typeof CursorSchema>;
  try {
    parsed = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalid('cursor is not one this API issued');
  }
  if (parsed.k !== order) {
    throw invalid(`cursor was issued for ${parsed.k}, not ${order}`);
  }
  return { keys: parsed.v, id: parsed.id };
}
