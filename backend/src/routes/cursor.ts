import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { IncidentPosition, IncidentSort } from '../store/incidents.js';

// k: the sort it was issued for (a cursor of one order means nothing in another); v: the row's sort keys; id.
const CursorSchema = z.object({
  k: z.string().max(20),
  v: z.array(z.string().max(64)).min(1).max(4),
  id: z.uuid(),
});

/** An opaque keyset position in a sort: the last row's sort keys and id, base64url JSON. */
export function encodeCursor(sort: IncidentSort, position: IncidentPosition): string {
  return Buffer.from(JSON.stringify({ k: sort, v: position.keys, id: position.id })).toString('base64url');
}

function invalid(message: string): AppError {
  return new AppError({
    code: 'VALIDATION_FAILED',
    message: `Invalid query: ${message}`,
    details: { issues: [{ path: 'cursor', message }] },
  });
}

/** The position a cursor of `sort` holds; 400 VALIDATION_FAILED for anything else (forged, or another sort's). */
export function decodeCursor(cursor: string, sort: IncidentSort): IncidentPosition {
  let parsed: z.infer<typeof CursorSchema>;
  try {
    parsed = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalid('cursor is not one this API issued');
  }
  if (parsed.k !== sort) {
    throw invalid(`cursor was issued for sort=${parsed.k}, not sort=${sort}`);
  }
  return { keys: parsed.v, id: parsed.id };
}
