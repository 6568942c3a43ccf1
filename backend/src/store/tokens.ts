import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { SYSTEM_ACTOR, type Actor, type Role } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { appendEvent } from './events.js';
import { afterPosition, pageLimit, type Page } from './page.js';

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A token as administrators see it: never the hash, never the token. */
export interface ApiTokenRecord extends ApiToken {
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const RECORD_COLUMNS = 'id, name, role, created_at, last_used_at, revoked_at';

/**
 * Creates a token and returns its only plaintext copy; the database keeps the hash. The creation is written to
 * the outbox (audit trail) in the same transaction. A taken name (revoked tokens keep theirs) is
 * TOKEN_ALREADY_EXISTS.
 */
export async function createApiToken(
  sql: Sql,
  name: string,
  role: Role,
  actor: Actor = SYSTEM_ACTOR
): Promise<ApiTokenRecord & { token: string }> {
  const token = `rs_${randomBytes(32).toString('base64url')}`;
  try {
    const row = await sql.begin(async (tx) => {
      const [created] = await tx<ApiTokenRecord[]>`
        insert into api_tokens (name, token_hash, role) values (${name}, ${hashToken(token)}, ${role})
        returning ${tx.unsafe(RECORD_COLUMNS)}`;
      const { id } = created!;
      await appendEvent(tx, { topic: 'tokens', type: 'token.created', payload: { id, name, role }, actor: actor.name });
      return created!;
    });
    return { ...row, token };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new AppError({
        code: 'TOKEN_ALREADY_EXISTS',
        message: `A token named ${name} already exists (names of revoked tokens stay taken)`,
        details: { name },
      });
    }
    throw err;
  }
}

/** The name of the integration token STUDIO_INTAKE_TOKEN provisions. */
export const PROVISIONED_INTAKE_TOKEN_NAME = 'intake (STUDIO_INTAKE_TOKEN)';

/**
 * Makes the token given in STUDIO_INTAKE_TOKEN a live integration token, so a stack can hand one secret to
 * Alertmanager and the sidecar at deploy time. A changed secret replaces the old one; a revoked provisioned token
 * stays revoked (returns 'revoked'): revocation is an operator's decision that a redeploy must not undo.
 */
export async function provisionIntakeToken(sql: Sql, token: string): Promise<'created' | 'updated' | 'unchanged' | 'revoked'> {
  return sql.begin(async (tx) => {
    const name = PROVISIONED_INTAKE_TOKEN_NAME;
    const [found] = await tx<{ id: string; tokenHash: Buffer; revokedAt: Date | null }[]>`
      select id, token_hash, revoked_at from api_tokens where name = ${name} for update`;
    const hash = hashToken(token);
    if (found?.revokedAt) return 'revoked';
    if (found?.tokenHash.equals(hash)) return 'unchanged';
    const [row] = found
      ? await tx<{ id: string }[]>`update api_tokens set token_hash = ${hash} where id = ${found.id} returning id`
      : await tx<{ id: string }[]>`
          insert into api_tokens (name, token_hash, role) values (${name}, ${hash}, 'integration') returning id`;
    const type = found ? 'token.updated' : 'token.created';
    await appendEvent(tx, { topic: 'tokens', type, payload: { id: row!.id, name, role: 'integration' }, actor: SYSTEM_ACTOR.name });
    return found ? 'updated' : 'created';
  });
}

/** Every token, revoked ones included, oldest first. */
const CREATED_MS = "date_trunc('milliseconds', created_at)";

/**
 * Tokens, oldest first; a page of them when `page` is given. created_at has microseconds and a cursor holds a Date's
 * milliseconds, so the order and the cursor both use the milliseconds (the id breaks ties).
 */
export async function listApiTokens(sql: Sql, page?: Page): Promise<ApiTokenRecord[]> {
  return sql<ApiTokenRecord[]>`
    select ${sql.unsafe(RECORD_COLUMNS)} from api_tokens
    where ${afterPosition(sql, page, [[CREATED_MS, 'timestamptz']], 'id')}
    order by ${sql.unsafe(CREATED_MS)}, id ${pageLimit(sql, page)}`;
}

/**
 * Revokes a token by id or name: from then on auth refuses it (every request looks the token up). Revoking a
 * revoked token keeps its first revocation time. Throws TOKEN_NOT_FOUND when there is no such token.
 */
export async function revokeApiToken(sql: Sql, which: { id: string } | { name: string }, actor: Actor): Promise<ApiTokenRecord> {
  const row = await sql.begin(async (tx) => {
    const match = 'id' in which ? tx`id = ${which.id}` : tx`name = ${which.name}`;
    const [found] = await tx<ApiTokenRecord[]>`
      select ${tx.unsafe(RECORD_COLUMNS)} from api_tokens where ${match} for update`;
    if (!found || found.revokedAt) return found;
    const [revoked] = await tx<ApiTokenRecord[]>`
      update api_tokens set revoked_at = now() where id = ${found.id} returning ${tx.unsafe(RECORD_COLUMNS)}`;
    const { id, name, role } = found;
    await appendEvent(tx, { topic: 'tokens', type: 'token.revoked', payload: { id, name, role }, actor: actor.name });
    return revoked;
  });
  if (!row) {
    throw new AppError({
      code: 'TOKEN_NOT_FOUND',
      message: `No API token ${'id' in which ? 'with id ' + which.id : 'named ' + which.name}`,
      details: which,
    });
  }
  return row;
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
