/**
 * Which strings Postgres can keep exactly as given. `text` refuses the NUL character (SQLSTATE 22021) and `jsonb`
 * refuses the `\u0000` escape (22P05); a lone UTF-16 surrogate has no UTF-8 form, so the driver would store U+FFFD
 * in its place and the value would come back changed. The API refuses such strings (the caller can fix them); alert
 * intake stores them with U+FFFD instead, because a sender that gets a refusal retries the whole delivery until it
 * gives up and every alert in it is lost.
 */

// With the `u` flag a surrogate pair is one code point above U+FFFF, so this range matches only lone surrogates.
const UNSTORABLE = /[\0\uD800-\uDFFF]/u;
const UNSTORABLE_ALL = /[\0\uD800-\uDFFF]/gu;

/** U+FFFD REPLACEMENT CHARACTER: what the Unicode standard puts where a character cannot be represented. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

/** True when Postgres stores `text` unchanged in `text` and `jsonb` columns. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** `text` with every NUL and lone surrogate replaced by U+FFFD; the same string when there is none. */
export function toStorableText(text: string): string {
  return isStorableText(text) ? text : text.replace(UNSTORABLE_ALL, REPLACEMENT_CHARACTER);
}

/**
 * A JSON-like value with every string and object key made storable (toStorableText). Values that need no change
 * are returned as they are, so a clean payload costs one scan and no copies.
 */
export function toStorable<T>(value: T): T {
  return (findUnstorable(value) === null ? value : replaceDeep(value)) as T;
}

function replaceDeep(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) return value.map(replaceDeep);
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[toStorableText(key)] = replaceDeep(item);
    return copy;
  }
  return value;
}

/**
 * The path (`['labels', 'team']`) of the first string or object key in `value` that Postgres cannot store as given,
 * or null when there is none. A bad key's path ends with the key itself.
 */
export function findUnstorable(value: unknown): Array<string | number> | null {
  const path: Array<string | number> = [];
  return search(value, path) ? path : null;
}

// Depth-first with one shared path, so a clean value allocates nothing; on a find the path is left as it stands.
function search(value: unknown, path: Array<string | number>): boolean {
  if (typeof value === 'string') return !isStorableText(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      if (search(value[i], path)) return true;
      path.pop();
    }
    return false;
  }
  if (isPlainObject(value)) {
    for (const key in value) {
      path.push(key);
      if (!isStorableText(key) || search(value[key], path)) return true;
      path.pop();
    }
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
