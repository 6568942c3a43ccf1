import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../http/context.js';
import type { Database } from '../store/db.js';
import { findApiToken } from '../store/tokens.js';
import { redeemTicket } from './tickets.js';

/** Why an upgrade was refused: the HTTP answer, and the label for live_upgrade_refusals_total. */
export class UpgradeRefusal extends Error {
  constructor(
    readonly status: 401 | 403 | 404 | 503,
    readonly code: 'AUTH_REQUIRED' | 'FORBIDDEN' | 'NOT_FOUND' | 'OVERLOADED' | 'DATABASE_UNAVAILABLE',
    message: string,
    readonly reason: string,
    readonly retryAfterSeconds?: number
  ) {
    super(message);
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Who is opening the WebSocket. Browsers cannot set headers on an upgrade, so they bring a single-use `?ticket=`
 * from POST /api/live/tickets (fetched through Grafana's proxy). Bots and wallboards send their API token in the
 * Authorization header, as on every other route. A token in the query string is refused: URLs end up in proxy and
 * load-balancer logs, and a long-lived token must not (a ticket may: it is worthless after one use or 30 s).
 */
export async function authenticateUpgrade(
  req: IncomingMessage,
  url: URL,
  db: Database,
  adminToken: string
): Promise<Principal> {
  if (url.searchParams.has('token')) {
    throw new UpgradeRefusal(401, 'AUTH_REQUIRED', 'Send API tokens in the Authorization header, never in the URL; or use a ticket', 'auth');
  }
  const ticket = url.searchParams.get('ticket');
  if (ticket !== null) {
    const holder = await db.write((sql) => redeemTicket(sql, ticket));
    if (!holder) {
      throw new UpgradeRefusal(401, 'AUTH_REQUIRED', 'The ticket is unknown, already used or expired: ask for a new one', 'ticket');
    }
    return holder;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match) {
    throw new UpgradeRefusal(401, 'AUTH_REQUIRED', 'A ticket (?ticket=) or an API token (Authorization: Bearer) is required', 'auth');
  }
  const token = match[1]!;
  if (timingSafeEqual(sha256(token), sha256(adminToken))) {
    return { role: 'admin', actor: { name: 'admin', source: 'api' } };
  }
  const apiToken = await db.read((sql) => findApiToken(sql, token));
  if (!apiToken) {
    throw new UpgradeRefusal(401, 'AUTH_REQUIRED', 'The API token was not recognised or has been revoked', 'auth');
  }
  if (apiToken.role === 'integration') {
    throw new UpgradeRefusal(403, 'FORBIDDEN', 'Integration tokens may only post alerts; use a viewer token for the live feed', 'forbidden');
  }
  return { role: apiToken.role, actor: { name: apiToken.name, source: 'api' } };
}

/**
 * A browser connection (one that sends Origin) must come from an allowed origin: a ticket already cannot be
 * obtained cross-site, this keeps other sites' pages off the socket even so. Clients without Origin (bots) pass.
 */
export function checkOrigin(req: IncomingMessage, allowed: readonly string[]): void {
  const origin = req.headers.origin;
  if (origin === undefined || allowed.includes(origin)) return;
  throw new UpgradeRefusal(
    403,
    'FORBIDDEN',
    allowed.length
      ? `Origin ${origin} is not allowed (LIVE_ALLOWED_ORIGINS)`
      : 'Browser connections need LIVE_ALLOWED_ORIGINS (or CORS_ORIGINS) to list the Grafana origin',
    'origin'
  );
}
