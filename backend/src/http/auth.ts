import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { hasRole, type Role } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { Database } from '../store/db.js';
import { findApiToken } from '../store/tokens.js';
import type { AppEnv } from './context.js';
import { INTAKE_PATH_PREFIX } from './limits.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

// Grafana's data proxy adds the signed-in user's login when send_user_header is on.
const GRAFANA_USER_HEADER = 'x-grafana-user';

/**
 * Every /api request needs `Authorization: Bearer <token>`: either the admin token Grafana's plugin proxy sends
 * (the person is then named by X-Grafana-User) or an API token from api_tokens (bots, wallboards, scripts).
 */
export function requireAuth(db: Database, adminToken: string): MiddlewareHandler<AppEnv> {
  const adminDigest = sha256(adminToken);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const isIntake = c.req.path.startsWith(INTAKE_PATH_PREFIX);
    // Some senders can only be given a URL: intake also takes ?token=, for integration tokens only (URLs end up
    // in proxy logs, so no token that can read or change anything may travel there).
    const queryToken = !header && isIntake ? c.req.query('token') : undefined;
    if (!match && !queryToken) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new AppError({
        code: 'AUTH_REQUIRED',
        message: header ? 'The Authorization header must be "Bearer <token>"' : 'An API token is required',
      });
    }
    const token = match ? match[1]! : queryToken!;
    const isAdmin = timingSafeEqual(sha256(token), adminDigest);
    if (isAdmin && !match) {
      throw new AppError({ code: 'AUTH_REQUIRED', message: 'Only integration tokens may be sent as ?token=; use the Authorization header' });
    }
    if (isAdmin) {
      const user = c.req.header(GRAFANA_USER_HEADER)?.trim();
      c.set('principal', {
        role: 'admin',
        actor: user ? { name: user.slice(0, 200), source: 'user' } : { name: 'admin', source: 'api' },
      });
      return next();
    }
    const apiToken = await db.read((sql) => findApiToken(sql, token));
    if (!apiToken) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new AppError({ code: 'AUTH_REQUIRED', message: 'The API token was not recognised or has been revoked' });
    }
    if (!match && apiToken.role !== 'integration') {
      throw new AppError({ code: 'AUTH_REQUIRED', message: 'Only integration tokens may be sent as ?token=; use the Authorization header' });
    }
    if (apiToken.role === 'integration' && !isIntake) {
      throw new AppError({
        code: 'FORBIDDEN',
        message: `Integration tokens may only post alerts to ${INTAKE_PATH_PREFIX}*`,
        details: { role: apiToken.role },
      });
    }
    c.set('principal', { role: apiToken.role, actor: { name: apiToken.name, source: 'api' } });
    return next();
  };
}

/** Refuses (403) callers whose role is below `needed`. */
export function requireRole(needed: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { role } = c.get('principal');
    if (!hasRole(role, needed)) {
      throw new AppError({
        code: 'FORBIDDEN',
        message: `This needs the ${needed} role; your token has ${role}`,
        details: { needed, role },
      });
    }
    return next();
  };
}
