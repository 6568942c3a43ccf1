import { createHash, randomBytes } from 'node:crypto';
import type { Actor, Role } from '../domain/actor.js';
import type { Sql } from '../store/db.js';

/** Who a redeemed ticket speaks for: the principal that asked for it. */
export interface TicketHolder {
  role: Exclude<Role, 'integration'>;
  actor: Actor;
}

export interface IssuedTicket {
  ticket: string;
  expiresAt: Date;
}

const hash = (ticket: string) => createHash('sha256').update(ticket, 'utf8').digest();

/**
 * Issues a single-use ticket for opening the live WebSocket, valid `ttlMs`. It is stored hashed in Postgres, not in
 * this process, because the WebSocket may reach another replica than the one that issued it.
 */
export async function issueTicket(sql: Sql, holder: TicketHolder, ttlMs: number): Promise<IssuedTicket> {
  // 256 bits: as unguessable as an API token, and the same alphabet (safe in a query string).
  const ticket = `lt_${randomBytes(32).toString('base64url')}`;
  const [row] = await sql<{ expiresAt: Date }[]>`
    insert into live_tickets (ticket_hash, role, actor_name, actor_source, expires_at)
    values (${hash(ticket)}, ${holder.role}, ${holder.actor.name}, ${holder.actor.source},
            now() + ${ttlMs} * interval '1 millisecond')
    returning expires_at`;
  return { ticket, expiresAt: row!.expiresAt };
}

/**
 * Redeems a ticket: at most once, and only before it expires. One UPDATE decides both, so two upgrades racing with
 * the same ticket (on one replica or two) cannot both win. Returns undefined for an unknown, used or expired ticket,
 * without saying which (the caller learns nothing it could use to probe).
 */
export async function redeemTicket(sql: Sql, ticket: string): Promise<TicketHolder | undefined> {
  const [row] = await sql<{ role: TicketHolder['role']; actorName: string; actorSource: Actor['source'] }[]>`
    update live_tickets set used_at = now()
    where ticket_hash = ${hash(ticket)} and used_at is null and expires_at > now()
    returning role, actor_name, actor_source`;
  return row ? { role: row.role, actor: { name: row.actorName, source: row.actorSource } } : undefined;
}
