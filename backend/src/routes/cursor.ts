import { z } from 'zod';
import { AppError } from '../domain/errors.js';

const CursorSchema = z.object({ s: z.iso.datetime(), id: z.uuid() });

/** An opaque keyset position: the last row's (startedAt, id), base64url JSON. */
export function encodeCursor(row: { startedAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ s: row.startedAt.toISOString(), id: row.id })).toString('base64url');
}

export function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  try {
    const { s, id } = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { startedAt: new Date(s), id };
  } catch {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: 'Invalid query: cursor is not one this API issued',
      details: { issues: [{ path: 'cursor', message: 'not a cursor this API issued' }] },
    });
  }
}
