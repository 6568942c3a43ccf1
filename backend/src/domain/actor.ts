/** Who made a change, recorded on every timeline entry and outbox event (the audit trail). */
export interface Actor {
  name: string;
  /** user: a person through Grafana; api: a token holder (bot, script); system: the sidecar itself. */
  source: 'user' | 'api' | 'system';
}

export const SYSTEM_ACTOR: Actor = { name: 'reliability-studio', source: 'system' };

/** What a credential may do: viewers read, editors change incidents, admins manage the studio. */
export type Role = 'viewer' | 'editor' | 'admin';

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export function hasRole(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}
