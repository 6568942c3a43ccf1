/**
 * Secret scrubbing for everything the sidecar writes to its logs (and to span events). Two rules:
 * - by key, at any depth: a field whose name ends in token, password, secret, api key, authorization, cookie,
 *   credential(s), private key or card number is replaced whole;
 * - by shape, inside every string: JWTs, `Bearer`/`Basic` credentials, `rs_` API tokens, passwords in URLs,
 *   secret query parameters, Luhn-valid card numbers and e-mail addresses (masked to the domain).
 * The shapes are matched on JS strings before serialisation, never on the JSON text, so a mask can never break
 * an escape sequence of the line.
 */
import { stdSerializers } from 'pino';

export const REDACTED = '[REDACTED]';

// Compared on the key lower-cased with "-" and "_" removed: "X-API-Key", "api_key", "adminToken" all match, while
// "span" or "tokenHash" do not.
const SENSITIVE_KEY = /(?:token|passw(?:or)?d|secret|apikey|authorization|cookie|credentials?|privatekey|cardnumber|cvc|cvv)s?$/;

/** True for field names whose values are secrets whatever they look like. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key.toLowerCase().replace(/[-_]/g, ''));
}

// One pass over each string: the alternatives are tried left to right at each position, so a JWT after "Bearer"
// is taken by the Bearer rule and a URL's user:password@host by the URL rule rather than the e-mail one.
const SECRET_SHAPES = new RegExp(
  [
    String.raw`(?<jwt>\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*)`,
    String.raw`(?<scheme>\b(?:Bearer|Basic)\s+)[\w.~+/-]{6,}=*`,
    String.raw`(?<rs>\brs_[\w-]{16,})`,
    String.raw`(?<urlUser>\b[a-z][a-z\d+.-]*://[^\s:/@]+:)[^\s@/]+@`,
    String.raw`(?<param>[?&][\w.-]*(?:token|password|secret|api[_-]?key)=)[^&\s#"]+`,
    // "%40": an address still percent-encoded in a URL.
    String.raw`[\w.%+-]+(?:@|%40)(?<domain>(?:[a-z\d-]+\.)+[a-z]{2,})\b`,
    // 13-19 digits, single spaces or dashes allowed between them, starting like a card network does (2-6). Not
    // preceded or followed by a word character or a dash, so UUIDs, hex ids and longer numbers never match.
    String.raw`(?<![\w-])(?<card>[2-6](?:[ -]?\d){12,18})(?![\w-])`,
  ].join('|'),
  'gi'
);

/** The Luhn checksum every payment card number satisfies (and ~90 % of random digit strings do not). */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

type Groups = Partial<Record<'jwt' | 'scheme' | 'rs' | 'urlUser' | 'param' | 'domain' | 'card', string>>;

function mask(match: string, ...rest: unknown[]): string {
  const g = rest[rest.length - 1] as Groups;
  if (g.jwt) return '[REDACTED_JWT]';
  if (g.scheme) return `${g.scheme}${REDACTED}`;
  if (g.rs) return `rs_${REDACTED}`;
  if (g.urlUser) return `${g.urlUser}${REDACTED}@`;
  if (g.param) return `${g.param}${REDACTED}`;
  if (g.domain) return `***@${g.domain}`;
  if (g.card) {
    const digits = g.card.replace(/[ -]/g, '');
    return isLuhnValid(digits) ? `****${digits.slice(-4)}` : match;
  }
  return match;
}

// Every shape above needs one of these: "eyJ", "Bearer"/"Basic", "rs_", "://", "=", "@" (or "%40"), or four digits
// in a row (a card number has at least 13). Most log strings (routes, methods, ids) have none, and this test is far
// cheaper than the alternation, which is tried at every position.
const MIGHT_HOLD_A_SECRET = /eyJ|bearer|basic|rs_|:\/\/|=|@|%40|\d[ -]?\d[ -]?\d[ -]?\d/i;

/** Masks secret-shaped substrings of one string (see the module comment for the shapes). */
export function scrubText(text: string): string {
  // Nothing shorter than "a@b.co" can hold any of the shapes; most log strings are short words.
  if (text.length < 6 || !MIGHT_HOLD_A_SECRET.test(text)) return text;
  return text.replace(SECRET_SHAPES, mask);
}

const MAX_DEPTH = 8;

/**
 * A copy of `value` safe to log: sensitive keys replaced at any depth, strings scrubbed, errors serialised (type,
 * message and stack, causes included) and then scrubbed like everything else.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return redactObject(stdSerializers.err(value) as unknown as Record<string, unknown>, depth);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  // URL, Date, Buffer...: log what JSON.stringify would, checked like any other value.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return redact(toJSON.call(value), depth + 1);
  return redactObject(value as Record<string, unknown>, depth);
}

function redactObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // for...in: pino's serialised errors keep type/message/stack on their prototype.
  for (const key in object) {
    const v = object[key];
    if (v === undefined) continue;
    out[key] = isSensitiveKey(key) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}
