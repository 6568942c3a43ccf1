/**
 * The sidecar's wire types, as the plugin sees them. The sidecar's zod schemas
 * (backend/src/routes/) are the source of truth and are published at
 * /api/openapi.json; these mirror the parts the plugin uses.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INCIDENT_STATUSES = ['open', 'investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface ImpactedService {
  id: string;
  name: string;
  impact: 'major' | 'partial' | 'minor';
}

export interface Incident {
  id: string;
  /** Human reference, e.g. "INC-42". */
  reference: string;
  number: number;
  title: string;
  description: string;
  severity: Severity;
  status: IncidentStatus;
  commander: string | null;
  labels: Record<string, string>;
  services: ImpactedService[];
  startedAt: string;
  detectedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Optimistic concurrency: send it back on PATCH; a stale one gets 409 VERSION_CONFLICT. */
  version: number;
}

export interface IncidentPage {
  items: Incident[];
  /** Opaque; pass as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

export interface CreateIncidentInput {
  title: string;
  description?: string;
  severity: Severity;
  commander?: string;
  labels?: Record<string, string>;
  /** Service names from the catalog. */
  services?: string[];
  startedAt?: string;
}

export interface UpdateIncidentInput {
  version: number;
  title?: string;
  description?: string;
  severity?: Severity;
  status?: IncidentStatus;
  commander?: string | null;
}

export interface IncidentFilters {
  status?: IncidentStatus[];
  severity?: Severity[];
  service?: string;
  q?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export type TimelineEventType =
  | 'created'
  | 'status_changed'
  | 'severity_changed'
  | 'commander_changed'
  | 'details_changed'
  | 'note';

export interface TimelineEvent {
  id: string;
  incidentId: string;
  type: TimelineEventType;
  occurredAt: string;
  author: string;
  source: 'user' | 'system' | 'api';
  message: string;
  data: Record<string, unknown>;
}

export interface Service {
  id: string;
  name: string;
  team: string | null;
  tier: 1 | 2 | 3 | 4;
  description: string;
  labels: Record<string, string>;
  runbookUrl: string | null;
}

export interface ReadyStatus {
  status: 'ready' | 'not_ready';
  checks: Record<string, { status: 'up' | 'down'; latencyMs: number; error?: string }>;
}

/** Every error the sidecar returns has this shape. */
export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    details?: Record<string, unknown>;
    request_id: string;
    timestamp: string;
  };
}

/** Body of the list endpoints that are not paginated (`/incidents/active`, `/timeline`, `/services`). */
export interface ItemList<T> {
  items: T[];
}

/** One entry of `details.issues` in a 400 VALIDATION_FAILED envelope. zod paths may come as arrays. */
export interface ValidationIssue {
  path: string | Array<string | number>;
  message: string;
}

/** `details` of a 409 STATUS_TRANSITION_INVALID envelope. */
export interface StatusTransitionDetails {
  from: IncidentStatus;
  to: IncidentStatus;
  allowed: IncidentStatus[];
}
