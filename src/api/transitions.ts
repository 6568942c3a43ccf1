import { INCIDENT_STATUSES, type IncidentStatus } from './types';

/**
 * The sidecar's status transitions (it validates them too and answers 409 STATUS_TRANSITION_INVALID otherwise).
 * Kept here so the UI only offers moves the sidecar will accept. `resolved` may reopen.
 */
export const STATUS_TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  open: ['investigating', 'identified', 'monitoring', 'resolved'],
  investigating: ['identified', 'monitoring', 'resolved'],
  identified: ['investigating', 'monitoring', 'resolved'],
  monitoring: ['investigating', 'identified', 'resolved'],
  resolved: ['open', 'investigating'],
};

/** Statuses an incident in `from` may move to, in the lifecycle's order. */
export function nextStatuses(from: IncidentStatus): IncidentStatus[] {
  const allowed = STATUS_TRANSITIONS[from] ?? [];
  return INCIDENT_STATUSES.filter((s) => allowed.includes(s));
}

/** Statuses that count as "active" (everything before resolved). */
export const ACTIVE_STATUSES: readonly IncidentStatus[] = INCIDENT_STATUSES.filter((s) => s !== 'resolved');
