// The statuses, severities and transition table are the plugin's too: they live in contract/incidents.ts.
import { STATUS_TRANSITIONS, type IncidentStatus, type Severity } from '../../../contract/incidents.js';
import { AppError } from './errors.js';

export {
  ACTIVE_STATUSES,
  INCIDENT_STATUSES,
  SEVERITIES,
  STATUS_TRANSITIONS,
  type IncidentStatus,
  type Severity,
} from '../../../contract/incidents.js';

/** Throws STATUS_TRANSITION_INVALID unless `from → to` is allowed. */
export function assertTransition(from: IncidentStatus, to: IncidentStatus): void {
  if (!STATUS_TRANSITIONS[from].includes(to)) {
    throw new AppError({
      code: 'STATUS_TRANSITION_INVALID',
      message: `An incident cannot go from ${from} to ${to}`,
      details: { from, to, allowed: STATUS_TRANSITIONS[from] },
    });
  }
}

export function incidentReference(number: number): string {
  return `INC-${number}`;
}

export interface IncidentState {
  title: string;
  description: string;
  severity: Severity;
  status: IncidentStatus;
  commander: string | null;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
}

export type IncidentChanges = Partial<Pick<IncidentState, 'title' | 'description' | 'severity' | 'status' | 'commander'>>;

/** One timeline entry a change produces. */
export interface ChangeEvent {
  type: 'status_changed' | 'severity_changed' | 'commander_changed' | 'details_changed';
  message: string;
  data: Record<string, unknown>;
}

export interface AppliedChange {
  next: IncidentState;
  events: ChangeEvent[];
}

/**
 * Applies requested changes to an incident: validates the status move, stamps acknowledged/resolved times, and
 * describes each real change for the timeline. Fields equal to their current value are not changes.
 */
export function applyChanges(current: IncidentState, changes: IncidentChanges, now: Date): AppliedChange {
  const next: IncidentState = { ...current };
  const events: ChangeEvent[] = [];

  if (changes.status !== undefined && changes.status !== current.status) {
    assertTransition(current.status, changes.status);
    next.status = changes.status;
    if (current.status === 'open' && !current.acknowledgedAt) next.acknowledgedAt = now;
    next.resolvedAt = changes.status === 'resolved' ? now : null;
    const verb = current.status === 'resolved' ? 'Reopened as' : 'Status changed to';
    events.push({
      type: 'status_changed',
      message: `${verb} ${changes.status}`,
      data: { from: current.status, to: changes.status },
    });
  }
  if (changes.severity !== undefined && changes.severity !== current.severity) {
    next.severity = changes.severity;
    events.push({
      type: 'severity_changed',
      message: `Severity changed from ${current.severity} to ${changes.severity}`,
      data: { from: current.severity, to: changes.severity },
    });
  }
  if (changes.commander !== undefined && changes.commander !== current.commander) {
    next.commander = changes.commander;
    events.push({
      type: 'commander_changed',
      message: changes.commander ? `${changes.commander} is now the incident commander` : 'Incident commander removed',
      data: { from: current.commander, to: changes.commander },
    });
  }
  const edited = (['title', 'description'] as const).filter((f) => changes[f] !== undefined && changes[f] !== current[f]);
  if (edited.length > 0) {
    for (const field of edited) next[field] = changes[field]!;
    events.push({ type: 'details_changed', message: `Edited ${edited.join(' and ')}`, data: { fields: edited } });
  }
  return { next, events };
}
