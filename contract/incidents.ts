/**
 * Incident rules the sidecar enforces and the plugin offers, in one place: both sides import this file (the sidecar
 * through backend/src/domain/incidents.ts). It imports nothing, so either build can compile it as it is.
 */

/** Most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** In lifecycle order. */
export const INCIDENT_STATUSES = ['open', 'investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Everything before resolved. */
export const ACTIVE_STATUSES: readonly IncidentStatus[] = INCIDENT_STATUSES.filter((s) => s !== 'resolved');

/**
 * Where an incident may go from each status. Forward moves may skip steps (a false alarm goes straight to
 * resolved); active incidents may step back when a fix does not hold, but never back to `open`, which means
 * "nobody has looked yet". A resolved incident reopens as `open` or `investigating`. Any other move is refused with
 * 409 STATUS_TRANSITION_INVALID.
 */
export const STATUS_TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  open: ['investigating', 'identified', 'monitoring', 'resolved'],
  investigating: ['identified', 'monitoring', 'resolved'],
  identified: ['investigating', 'monitoring', 'resolved'],
  monitoring: ['investigating', 'identified', 'resolved'],
  resolved: ['open', 'investigating'],
};

/** Statuses an incident in `from` may move to, in lifecycle order. */
export function nextStatuses(from: IncidentStatus): IncidentStatus[] {
  const allowed = STATUS_TRANSITIONS[from] ?? [];
  return INCIDENT_STATUSES.filter((s) => allowed.includes(s));
}
