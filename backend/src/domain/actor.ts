/** Who made a change, recorded on every timeline entry and outbox event (the audit trail). */
export interface Actor {
  name: string;
  /** user: a person through Grafana; api: a token holder (bot, script); system: the sidecar itself. */
  source: 'user' | 'api' | 'system';
}

export const SYSTEM_ACTOR: Actor = { name: 'reliability-studio', source: 'system' };

/**
 * What a credential may do: viewers read, editors change incidents, admins manage the studio. `integration` is
 * outside that ladder: it may only post alerts to /api/integrations/* (its token lives in Alertmanager and
 * Grafana configuration, often in a URL), so it ranks below viewer and http/auth.ts keeps it off every other route.
 */
export type Role = 'viewer' | 'editor' | 'admin' | 'integration';

const RANK: Record<Role, number> = { integration: -1, viewer: 0, editor: 1, admin: 2 };

export function hasRole(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}
