import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import type { Role } from '../domain/actor.js';

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Creates a token and returns its only plaintext copy; the database keeps the hash. */
export async function createApiToken(sql: Sql, name: string, role: Role): Promise<ApiToken & { token: string }> {
  const token = `rs_${randomBytes(32).toString('base64url')}`;
  const [row] = await sql<ApiToken[]>`
    insert into api_tokens (name, token_hash, role) values (${name}, ${hashToken(token)}, ${role})
    returning id, name, role`;
  return { ...row!, token };
}

/**
 * Finds a live (not revoked) token by its hash. The lookup is an equality on a hash of a 256-bit secret, so
 * timing reveals nothing useful. last_used_at is refreshed at most once a minute to keep reads cheap.
 */
export async function findApiToken(sql: Sql, token: string): Promise<ApiToken | undefined> {
  const [row] = await sql<ApiToken[]>`
    with found as (
      select id, name, role from api_tokens where token_hash = ${hashToken(token)} and revoked_at is null
    ), touched as (
      update api_tokens set last_used_at = now()
      where id in (select id from found) and (last_used_at is null or last_used_at < now() - interval '1 minute')
    )
    select id, name, role from found`;
  return row;
}
