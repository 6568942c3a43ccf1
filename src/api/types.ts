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

/**
 * Orders of GET /api/incidents (`sort`). severity: most severe first; status: open first, resolved last; duration:
 * ongoing ones first (longest running first), then resolved ones, longest first. Ties go newest first.
 */
export const INCIDENT_SORTS = ['newest', 'oldest', 'severity', 'status', 'duration'] as const;
export type IncidentSort = (typeof INCIDENT_SORTS)[number];

export interface IncidentFilters {
  sort?: IncidentSort;
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
  | 'note'
  | 'alert_fired'
  | 'alert_resolved'
  | 'alerts_resolved'
  /** A correlation run's summary: data `{ runId, findings, top: Finding[] (≤ 3), sources }`. */
  | 'correlation_found'
  /** data `{ hypothesis: Hypothesis }`. */
  | 'hypothesis_added'
  /** data `{ hypothesis: Hypothesis, note: string | null }`. */
  | 'hypothesis_decided'
  /** data `{ finding: Finding }`, the finding frozen at pin time (result data included), and `note`. */
  | 'evidence_pinned'
  | 'action';

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

/**
 * Query templates for a service's telemetry. `{{selector}}` becomes the service's labels as matchers
 * (`service="checkout",env="prod"`), `{{service}}` its name. Unset fields use the sidecar's defaults.
 */
export interface ServiceQueries {
  /** PromQL: requests per second. */
  requestRate?: string;
  /** PromQL: share of requests that failed, 0–1. */
  errorRatio?: string;
  /** PromQL: p95 latency in seconds. */
  latencyP95?: string;
  /** LogQL: the service's error log lines. */
  errorLogs?: string;
  /** TraceQL: the service's traces. */
  traces?: string;
}

export interface Service {
  id: string;
  name: string;
  team: string | null;
  tier: 1 | 2 | 3 | 4;
  description: string;
  labels: Record<string, string>;
  runbookUrl: string | null;
  /** Overrides only; GET /api/services/:name also returns `effectiveQueries` (every template filled in). */
  queries: ServiceQueries;
  effectiveQueries?: Required<ServiceQueries>;
}

/** POST /api/services; PATCH /api/services/:name takes the same fields, all optional (name included: a rename). */
export interface ServiceInput {
  name: string;
  team?: string | null;
  tier?: 1 | 2 | 3 | 4;
  description?: string;
  labels?: Record<string, string>;
  runbookUrl?: string | null;
  queries?: ServiceQueries;
}

// ---- Evidence: correlation (GET /api/incidents/:id/correlations, POST /api/incidents/:id/correlate) ----

export const CORRELATION_SOURCES = ['prometheus', 'loki', 'tempo', 'change'] as const;
export type CorrelationSource = (typeof CORRELATION_SOURCES)[number];

/** `skipped`: the source is not configured (no URL), so it was not asked. */
export type SourceStatus = 'ok' | 'degraded' | 'failed' | 'skipped';

export type FindingSignal =
  | 'error_ratio'
  | 'latency_p95'
  | 'request_rate'
  | 'error_logs'
  | 'log_pattern'
  | 'error_traces'
  | 'slow_traces'
  | 'failing_spans'
  | 'change';

export interface TimeWindow {
  start: string;
  end: string;
}

export interface SeriesPoint {
  /** Unix milliseconds. */
  t: number;
  /** null where Prometheus had no value (NaN, a gap). */
  v: number | null;
}

export interface LogSample {
  at: string;
  line: string;
  labels: Record<string, string>;
}

export interface TraceSummary {
  /** Lower-case hex, 32 digits (normalised: Tempo may drop leading zeros or answer base64). */
  traceId: string;
  rootService: string;
  rootName: string;
  startedAt: string;
  durationMs: number | null;
  error: boolean;
}

export interface SpanFailure {
  service: string;
  name: string;
  errors: number;
  total: number;
}

export interface Change {
  id: string;
  service: string | null;
  kind: 'deploy' | 'config' | 'feature_flag' | 'infrastructure' | 'other';
  summary: string;
  description: string;
  author: string;
  url: string | null;
  labels: Record<string, string>;
  at: string;
  createdAt: string;
}

/** POST /api/changes (editor or a bot's token). */
export interface ChangeInput {
  service?: string;
  kind: Change['kind'];
  summary: string;
  description?: string;
  author?: string;
  url?: string;
  labels?: Record<string, string>;
  /** Defaults to now. */
  at?: string;
}

/** What a finding carries besides its summary; which fields are set depends on its source. */
export interface FindingData {
  /** Prometheus: the signal over the baseline and incident windows. */
  series?: SeriesPoint[];
  unit?: 'ratio' | 'seconds' | 'rps' | 'lines';
  baselineValue?: number | null;
  currentValue?: number | null;
  /** Loki: a log template (numbers, ids and quoted values masked) and how often it occurred. */
  pattern?: string;
  count?: number;
  baselineCount?: number;
  samples?: LogSample[];
  /** Tempo. */
  traces?: TraceSummary[];
  spans?: SpanFailure[];
  /** change. */
  change?: Change;
}

export interface Finding {
  id: string;
  incidentId: string;
  runId: string;
  source: CorrelationSource;
  service: string | null;
  signal: FindingSignal;
  /** 0–1: how far the signal moved from its baseline (1: as far as it gets). Findings are ranked by it. */
  score: number;
  rank: number;
  summary: string;
  /** The exact PromQL, LogQL or TraceQL that reproduces the finding (empty for a change). */
  query: string;
  window: TimeWindow;
  baseline: TimeWindow | null;
  /** When the signal started to move; null when unknown. */
  changedAt: string | null;
  /** A Grafana Explore link (relative to Grafana's root) built from the datasource uids in the sidecar's config. */
  exploreUrl: string | null;
  data: FindingData;
  computedAt: string;
}

export interface SourceRun {
  status: SourceStatus;
  /** Why a source is degraded, failed or skipped. */
  message: string | null;
  durationMs: number | null;
  findings: number;
}

export interface CorrelationRun {
  id: string;
  incidentId: string;
  trigger: 'created' | 'manual' | 'refresh';
  startedAt: string;
  finishedAt: string | null;
  window: TimeWindow;
  baseline: TimeWindow;
  sources: Record<CorrelationSource, SourceRun>;
}

/** GET /api/incidents/:id/correlations and POST /api/incidents/:id/correlate: the latest run and its findings. */
export interface CorrelationResult {
  /** null: never correlated yet. */
  run: CorrelationRun | null;
  /** Ranked, best first. */
  findings: Finding[];
}

// ---- Investigation board: /api/incidents/:id/hypotheses ----

export const HYPOTHESIS_STATUSES = ['open', 'confirmed', 'refuted'] as const;
export type HypothesisStatus = (typeof HYPOTHESIS_STATUSES)[number];

export interface EvidenceLink {
  findingId?: string;
  url?: string;
  label: string;
}

export interface Hypothesis {
  id: string;
  incidentId: string;
  statement: string;
  status: HypothesisStatus;
  owner: string | null;
  evidence: EvidenceLink[];
  /** `suggested`: written by the correlation engine from its top findings. */
  origin: 'user' | 'suggested';
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  version: number;
}

export interface HypothesisInput {
  statement: string;
  owner?: string;
  evidence?: EvidenceLink[];
}

/** PATCH /api/incidents/:id/hypotheses/:hid; a stale version gets 409 VERSION_CONFLICT with `details.current`. */
export interface HypothesisUpdate {
  version: number;
  statement?: string;
  status?: HypothesisStatus;
  owner?: string | null;
  evidence?: EvidenceLink[];
  /** Recorded on the timeline with a decision. */
  note?: string;
}

/** POST /api/incidents/:id/correlations/:findingId/pin answers 201 with the `evidence_pinned` TimelineEvent. */
export interface PinInput {
  note?: string;
}

// ---- Service impact: GET /api/incidents/:id/impact (answers `ItemList<ServiceImpact>`) ----

/** A service the incident touches, and why. Declared services come first (major to minor), then by topScore. */
export interface ServiceImpact {
  service: string;
  /** null: alerts or findings name a service the catalog does not know. */
  serviceId: string | null;
  /** The declared impact; null for a service only alerts or correlation point at. */
  impact: 'major' | 'partial' | 'minor' | null;
  reasons: Array<'declared' | 'alerts' | 'correlation'>;
  /** The incident's alerts whose `service` (else `job`, else `app`) label names it. */
  alerts: number;
  /** Findings about it in the latest finished correlation run. */
  findings: number;
  topScore: number | null;
}

// ---- Review: /api/incidents/:id/postmortem (?format=md answers text/markdown) ----

export interface FollowUp {
  title: string;
  owner: string | null;
  done: boolean;
}

/** The parts people write; PUT /api/incidents/:id/postmortem with `version` (409 when stale). */
export interface PostmortemEdits {
  summary: string;
  impact: string;
  rootCause: string;
  lessons: string;
  followUps: FollowUp[];
}

export interface Postmortem {
  incidentId: string;
  reference: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  startedAt: string;
  resolvedAt: string | null;
  durationMs: number;
  services: ImpactedService[];
  timeline: TimelineEvent[];
  hypotheses: Hypothesis[];
  pinnedEvidence: Finding[];
  /** Error budget each SLO of the impacted services lost in the incident window; null while Prometheus is unreachable. */
  budgetBurned: Array<{ sloId: string; slo: string; service: string; budgetMinutes: number; budgetPercent: number }> | null;
  /** Drafted from the incident until someone edits them. */
  edits: PostmortemEdits;
  /** 0 until the first PUT. */
  version: number;
  generatedAt: string;
}

// ---- SLOs: /api/slos, /api/slos/:id/status, /api/incidents/:id/slos ----

export type Sli =
  | { type: 'ratio'; good: string; total: string }
  | { type: 'errors'; errors: string; total: string };

export type SloWindow = { type: 'rolling'; days: number } | { type: 'calendar_month' };

export interface BurnRateAlert {
  severity: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  factor: number;
}

export interface Slo {
  id: string;
  service: string;
  name: string;
  description: string;
  sli: Sli;
  /** Percent of good events, e.g. 99.9. */
  objective: number;
  window: SloWindow;
  burnRateAlerts: BurnRateAlert[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** The budget one incident burned (null where Prometheus had no data for its window). */
export interface SloIncidentCost {
  id: string;
  reference: string;
  title: string;
  startedAt: string;
  resolvedAt: string | null;
  /** Share of the window's error budget spent inside the incident (0–1, may exceed 1). */
  budgetBurned: number | null;
  budgetBurnedMinutes: number | null;
}

/** GET /api/slos/:id/status; 503 UPSTREAM_UNAVAILABLE when no Prometheus is configured or it is down. */
export interface SloStatus {
  slo: Slo;
  at: string;
  window: { start: string; seconds: number; budgetMinutes: number };
  /** 0–1; null without traffic. */
  sli: number | null;
  errorRatio: number | null;
  /** 1 - objective/100. */
  errorBudget: number;
  /** 1 untouched, 0 spent, negative overspent. */
  budgetRemaining: number | null;
  budgetRemainingMinutes: number | null;
  burnRates: { '5m': number | null; '1h': number | null; '6h': number | null; '3d': number | null };
  incidents: SloIncidentCost[];
  warnings: string[];
}

// ---- Alerts: /api/alerts ----

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_SOURCES = ['alertmanager', 'grafana'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export interface Alert {
  id: string;
  source: AlertSource;
  fingerprint: string;
  status: AlertStatus;
  alertname: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  generatorUrl: string | null;
  details: Record<string, unknown>;
  groupKey: string;
  groupDescription: string;
  ruleId: string | null;
  /** The silence or maintenance window that held it back. */
  suppressedBy: string | null;
  incident: { id: string; reference: string; status: IncidentStatus } | null;
  firstSeenAt: string;
  lastSeenAt: string;
  count: number;
}

export interface AlertFilters {
  status?: AlertStatus[];
  severity?: Severity[];
  source?: AlertSource[];
  alertname?: string;
  hasIncident?: boolean;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export interface AlertPage {
  items: Alert[];
  nextCursor: string | null;
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
