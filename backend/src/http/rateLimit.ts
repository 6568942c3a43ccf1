import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { MemoryStore, rateLimiter, type RateLimitInfo } from 'hono-rate-limiter';
import { AppError } from '../domain/errors.js';
import type { AppEnv } from './context.js';
import { INTAKE_PATH_PREFIX } from './limits.js';

// Budgets are per minute: long enough to absorb a page load's burst, short enough that a 429 clears quickly.
const WINDOW_MS = 60_000;

const passThrough: MiddlewareHandler = (_c, next) => next();

/** The first four groups of an IPv6 address: one host usually holds a whole /64 and can rotate through it. */
function ipv6Prefix(address: string): string {
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * The client's address for per-address budgets: the socket's peer, or with `trustProxy` the first entry of
 * X-Forwarded-For (only right when a proxy you run sets that header and drops what clients send). IPv4-mapped
 * IPv6 is folded to IPv4 and IPv6 to its /64. Requests without a socket (app.request in tests) share "local".
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  let address: string | undefined;
  if (trustProxy) address = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  if (!address || !isIP(address)) {
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    address = incoming?.socket?.remoteAddress;
  }
  if (!address) return 'local';
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return address.slice(7);
  return isIP(address) === 6 ? ipv6Prefix(address) : address;
}

function rateLimited(message: string, info: Pick<RateLimitInfo, 'limit' | 'resetTime'>): AppError {
  const seconds = info.resetTime ? Math.ceil((info.resetTime.getTime() - Date.now()) / 1000) : WINDOW_MS / 1000;
  return new AppError({
    code: 'RATE_LIMITED',
    message,
    details: { limit: info.limit, windowSeconds: WINDOW_MS / 1000 },
    retryAfterSeconds: Math.max(1, seconds),
  });
}

/**
 * Per-address limit on requests that end unauthenticated (401), mounted before auth. A client that has used up
 * its failures is refused before its token is looked up, so a flood of made-up tokens never reaches Postgres.
 * Only failures count: everything through Grafana's proxy comes from one address with a valid token, and
 * counting those would throttle every Grafana user together.
 */
export function limitUnauthenticated(
  perMinute: number,
  trustProxy: boolean,
  /** Which answers use up the budget: 401s by default; the acknowledge pages, whose link is the credential, count all. */
  counts: (status: number) => boolean = (status) => status === 401
): MiddlewareHandler<AppEnv> {
  if (perMinute <= 0) return passThrough;
  const failures = new MemoryStore();
  // The store only reads windowMs from the options it is given.
  failures.init({ windowMs: WINDOW_MS } as Parameters<MemoryStore['init']>[0]);
  return async (c, next) => {
    const key = clientAddress(c, trustProxy);
    const seen = failures.get(key);
    if (seen?.resetTime && seen.resetTime.getTime() > Date.now() && seen.totalHits >= perMinute) {
      const seconds = Math.max(1, Math.ceil((seen.resetTime.getTime() - Date.now()) / 1000));
      c.header('RateLimit-Policy', `${perMinute};w=${WINDOW_MS / 1000}`);
      c.header('RateLimit-Limit', String(perMinute));
      c.header('RateLimit-Remaining', '0');
      c.header('RateLimit-Reset', String(seconds));
      throw rateLimited('Too many unauthenticated requests from this address; retry later', {
        limit: perMinute,
        resetTime: seen.resetTime,
      });
    }
    await next();
    // Errors below were already turned into the response by onError, so the status says how it ended.
    if (counts(c.res.status)) failures.increment(key);
  };
}

/**
 * Who a budget belongs to, decided after auth: an API token is one caller; the proxy token is shared by every
 * Grafana user, so it is split by X-Grafana-User (auth trusts that header only with the proxy token), and one
 * user's wallboard refreshing too fast does not lock everyone else out.
 */
function callerKey(c: Context<AppEnv>): string {
  // Token names cannot be "admin" (routes/tokens.ts), so the bare proxy token never shares a key with a token.
  const { actor } = c.get('principal');
  return `${actor.source}:${actor.name}`;
}

export interface CallerLimits {
  perMinute: number;
  intakePerMinute: number;
}

/**
 * Per-caller limit (hono-rate-limiter, in-memory per replica), mounted after auth. Alert intake has its own,
 * larger budget under its own key, so a burst of alerts neither eats nor is eaten by the UI's budget. Answers
 * carry the draft-6 RateLimit-Limit/Remaining/Reset/Policy headers; a refusal is 429 RATE_LIMITED with
 * Retry-After until the window resets.
 */
export function limitCallers({ perMinute, intakePerMinute }: CallerLimits): MiddlewareHandler<AppEnv> {
  const isIntake = (c: Context) => c.req.path.startsWith(INTAKE_PATH_PREFIX);
  const budget = (c: Context) => (isIntake(c) ? intakePerMinute : perMinute);
  if (perMinute <= 0 && intakePerMinute <= 0) return passThrough;
  return rateLimiter<AppEnv>({
    windowMs: WINDOW_MS,
    limit: budget,
    standardHeaders: 'draft-6',
    skip: (c) => budget(c) <= 0,
    keyGenerator: (c) => `${isIntake(c) ? 'intake' : 'api'}|${callerKey(c)}`,
    store: new MemoryStore(),
    handler: (c) => {
      throw rateLimited('Too many requests for this token; retry later', c.get('rateLimit' as never) as RateLimitInfo);
    },
  });
}
