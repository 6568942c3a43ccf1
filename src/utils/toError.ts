/**
 * Anything can be thrown in JavaScript (strings, plain objects, FetchErrors); the UI only ever displays Errors.
 */
export function toError(e: unknown): Error {
  if (e instanceof Error) {
    return e;
  }
  if (typeof e === 'string') {
    return new Error(e);
  }
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    return new Error((e as { message: string }).message);
  }
  try {
    return new Error(`Unexpected error: ${JSON.stringify(e)}`);
  } catch {
    return new Error('Unexpected error');
  }
}
