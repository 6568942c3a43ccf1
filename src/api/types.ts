/**
 * The sidecar's wire types, as the plugin uses them: aliases of the types generated from the sidecar's OpenAPI
 * document (./generated/sidecar.ts, `npm run generate:api`; a test fails when it is stale), plus the plugin's own
 * (filters, runtime lists of enum values, shapes of error details).
 */
import * as incidents from '../../contract/incidents';
import type { components, operations } from './generated/sidecar';

type Schemas = components['schemas'];
/** The JSON body of an operation's answer with status S. */
type Answer<K extends keyof operations, S extends number = 200> =
  operations[K]['responses'] extends Record<S, { content: { 'application/json': infer T } }> ? T : never;

/**
 * `values` as a readonly tuple, when it lists every member of the union T once (a runtime list of a generated
 * enum, which tsc keeps from drifting when the sidecar adds or drops a value).
 */
const allOf =
  <T extends string>() =>
  <const V extends readonly T[]>(
    values: V & ([T] extends [V[number]] ? unknown : { missing: Exclude<T, V[number]> })
  ) =>
    values;

// ---- Incidents ----

export type Incident = Schemas['Incident'];
export type Severity = Incident['severity'];
export type IncidentStatus = Incident['status'];
export type ImpactedService = Incident['services'][number];

// Shared with the sidecar, whose enums come from them (contract/incidents.ts); allOf checks they match the document.
export const SEVERITIES = allOf<Severity>()(incidents.SEVERITIES);
export const INCIDENT_STATUSES = allOf<IncidentStatus>()(incidents.INCIDENT_STATUSES);

export type IncidentPage = Answer<'listIncidents'>;
export type ActiveIncidentsPage = Answer<'listActiveIncidents'>;
export type CreateIncidentInput = Schemas['CreateIncident'];
export type UpdateIncidentInput = Schemas['UpdateIncident'];

/**
 * Orders of GET /api/incidents (`sort`). severity: most severe first; status: open first, resolved last; duration:
 * ongoing ones first (longest running first), then resolved ones, longest first. Ties go newest first.
 */
export type IncidentSort = NonNullable<NonNullable<operations['listIncidents']['parameters']['query']>['sort']>;
export const INCIDENT_SORTS = allOf<IncidentSort>()(['newest', 'oldest', 'severity', 'status', 'duration']);

/** GET /api/incidents filters as the plugin holds them (the query string takes lists comma-separated). */
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

/** A timeline entry: a union on `type`, each kind with its own `data`. */
export type TimelineEvent = Schemas['TimelineEvent'];
export type TimelineEventType = TimelineEvent['type'];
/** Every timeline kind the sidecar writes; allOf fails tsc when the document adds or drops one. */
export const TIMELINE_EVENT_TYPES = allOf<TimelineEventType>()([
  'created',
  'status_changed',
  'severity_changed',
  'commander_changed',
  'details_changed',
  'note',
  'alert_fired',
  'alert_resolved',
  'alerts_resolved',
  'correlation_found',
  'hypothesis_added',
  'hypothesis_decided',
  'evidence_pinned',
  'acknowledged',
  'notification',
  'escalation',
]);

// ---- Services ----

export type Service = Schemas['Service'];
/**
 * Query templates for a service's telemetry. `{{selector}}` becomes the service's labels as matchers
 * (`service="checkout",env="prod"`), `{{service}}` its name. Unset fields use the sidecar's defaults.
 */
export type ServiceQueries = Schemas['ServiceQueries'];
/**
 * POST /api/services; PATCH /api/services/:name takes the same fields, all optional (name included: a rename), and
 * null clears team, runbookUrl or escalationPolicyId (its incidents then page nobody).
 */
export type ServiceInput = Omit<Schemas['CreateService'], 'team' | 'runbookUrl' | 'escalationPolicyId'> &
  Pick<Schemas['UpdateService'], 'team' | 'runbookUrl' | 'escalationPolicyId'>;

// ---- Evidence: correlation (GET /api/incidents/:id/correlations, POST /api/incidents/:id/correlate) ----

export type Finding = Schemas['Finding'];
export type FindingData = Schemas['FindingData'];
export type FindingSignal = Finding['signal'];
export type CorrelationSource = Finding['source'];
export const CORRELATION_SOURCES = allOf<CorrelationSource>()(['prometheus', 'loki', 'tempo', 'change']);
export type TimeWindow = Finding['window'];
export type SeriesPoint = NonNullable<FindingData['series']>[number];
export type LogSample = NonNullable<FindingData['samples']>[number];
export type TraceSummary = NonNullable<FindingData['traces']>[number];
export type SpanFailure = NonNullable<FindingData['spans']>[number];
export type Change = Schemas['Change'];
export type ChangeInput = Schemas['ChangeInput'];

export type CorrelationRun = Schemas['CorrelationRun'];
export type SourceRun = NonNullable<CorrelationRun['sources'][CorrelationSource]>;
/** `skipped`: the source is not configured (no URL), so it was not asked. */
export type SourceStatus = SourceRun['status'];
/** The latest run (null: never correlated yet) and its findings, best first. */
export type CorrelationResult = Schemas['CorrelationResult'];

// ---- Investigation board: /api/incidents/:id/hypotheses ----

export type Hypothesis = Schemas['Hypothesis'];
export type HypothesisStatus = Hypothesis['status'];
export const HYPOTHESIS_STATUSES = allOf<HypothesisStatus>()(['open', 'confirmed', 'refuted']);
export type EvidenceLink = Schemas['EvidenceLink'];
export type HypothesisInput = Schemas['HypothesisInput'];
/** PATCH /api/incidents/:id/hypotheses/:hid; a stale version gets 409 VERSION_CONFLICT with `details.current`. */
export type HypothesisUpdate = Schemas['HypothesisUpdate'];
/** POST /api/incidents/:id/correlations/:findingId/pin answers 201 with the `evidence_pinned` TimelineEvent. */
export type PinInput = Schemas['PinInput'];

// ---- Service impact, review ----

/** A service the incident touches, and why. Declared services come first (major to minor), then by topScore. */
export type ServiceImpact = Schemas['ServiceImpact'];
export type Postmortem = Schemas['Postmortem'];
/** The parts people write; PUT /api/incidents/:id/postmortem with `version` (409 when stale). */
export type PostmortemEdits = Schemas['PostmortemEdits'];
export type FollowUp = PostmortemEdits['followUps'][number];

// ---- SLOs: /api/slos, /api/slos/:id/status, /api/incidents/:id/slos ----

export type Slo = Schemas['Slo'];
export type Sli = Schemas['Sli'];
export type SloWindow = Schemas['SloWindow'];
export type BurnRateAlert = Slo['burnRateAlerts'][number];
/** GET /api/slos/:id/status; 503 UPSTREAM_UNAVAILABLE when no Prometheus is configured or it is down. */
export type SloStatus = Schemas['SloStatus'];
/** The budget one incident burned (null where Prometheus had no data for its window). */
export type SloIncidentCost = SloStatus['incidents'][number];

// ---- Alerts: /api/alerts ----

export type Alert = Schemas['Alert'];
export type AlertStatus = Alert['status'];
export const ALERT_STATUSES = allOf<AlertStatus>()(['firing', 'resolved']);
export type AlertSource = Alert['source'];
export const ALERT_SOURCES = allOf<AlertSource>()(['alertmanager', 'grafana']);
export type AlertPage = Answer<'listAlerts'>;

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

// ---- Notifications: /api/channels, /api/deliveries, /api/notification-rules ----

export type Channel = Schemas['Channel'];
export type ChannelKind = Channel['kind'];
export const CHANNEL_KINDS = allOf<ChannelKind>()(['webhook', 'slack', 'teams', 'email', 'ntfy']);
/** POST /api/channels: `secrets` are write-only; the answer says only which are set (`secretsSet`). */
export type CreateChannelInput = Schemas['CreateChannel'];
/** PATCH /api/channels/:id: `settings` replace, `secrets` merge (null removes one); a stale `version` gets 409. */
export type UpdateChannelInput = Schemas['UpdateChannel'];
/** POST /api/channels/:id/test: what the receiver did with a test message (200 whether or not it was delivered). */
export type ChannelTestResult = Schemas['ChannelTestResult'];
export type Delivery = Schemas['Delivery'];
export type DeliveryState = Delivery['state'];
export type NotificationRule = Schemas['NotificationRule'];
export type NotificationRuleInput = Schemas['NotificationRuleInput'];
export type NotificationRuleUpdate = Schemas['NotificationRuleUpdate'];
/** The incident events a rule can send (`test` is only what "Send test message" sends). */
export type RuleEvent = NotificationRuleInput['events'][number];
export const RULE_EVENTS = allOf<RuleEvent>()([
  'declared',
  'severity_raised',
  'status_changed',
  'acknowledged',
  'resolved',
  'top_finding',
  'update_posted',
]);

// ---- On call: /api/people, /api/schedules, /api/on-call ----

export type Person = Schemas['Person'];
/** One contact method's outcome of "send me a test page". */
export type TestPageResult = Schemas['TestPageResult'];
export type Schedule = Schemas['Schedule'];
export type Layer = Schemas['Layer'];
export type Override = Schemas['Override'];
/** POST /api/schedules/:id/overrides: without `start` the person takes the pager from now until `end`. */
export type CreateOverrideInput = Schemas['CreateOverride'];
/** Who is on call from `start` to `end`; `personId` null is a gap. */
export type OnCallSegment = Schemas['OnCallSegment'];
/**
 * One schedule now and next. `next` is null when nothing changes within 120 days (the generator renders that nullable
 * reference as an odd intersection, hence the Omit).
 */
export type OnCall = Omit<Schemas['OnCall'], 'next'> & { next: OnCallSegment | null };
/** GET /api/on-call: every schedule now and next, and gaps starting soon as warnings. */
/** Every schedule's on-call (getOnCall follows the pages). */
export type OnCallOverview = Omit<Answer<'listOnCall'>, 'items' | 'nextCursor'> & { items: OnCall[] };
export type GapWarning = Schemas['OnCallGapWarning'];
export type OnCallShift = Schemas['OnCallShift'];
export type LayerCoverage = Schemas['OnCallLayerCoverage'];
/** GET /api/schedules/:id/timeline: combined segments and gaps, each layer's own shifts, and the overrides. */
export type ScheduleTimeline = Answer<'getScheduleTimeline'>;
export type TimelineOverride = ScheduleTimeline['overrides'][number];

// ---- Escalation: /api/escalation-policies, /api/incidents/:id/escalation ----

export type EscalationPolicy = Schemas['EscalationPolicy'];
export type EscalationStep = Schemas['EscalationStep'];
export type EscalationStepTarget = Schemas['EscalationStepTarget'];
export type EscalationTargetKind = EscalationStepTarget['kind'];
export const ESCALATION_TARGET_KINDS = allOf<EscalationTargetKind>()(['schedule', 'person', 'channel']);
export type Urgency = EscalationStep['urgency'];
export const URGENCIES = allOf<Urgency>()(['high', 'low']);
export type CreateEscalationPolicyInput = Schemas['CreateEscalationPolicy'];
/** PATCH /api/escalation-policies/:id; a stale `version` gets 409 VERSION_CONFLICT. */
export type UpdateEscalationPolicyInput = Schemas['UpdateEscalationPolicy'];

/** An incident's escalation: its state, the steps fired and who was paged through what. */
export type Escalation = Schemas['Escalation'];
export type EscalationState = Escalation['state'];
export type FiredEscalationStep = Schemas['FiredEscalationStep'];
/** One page of a fired step: a delivery to a person's contact method, or to a channel (recipient null). */
export type EscalationPage = Schemas['Page'];

// ---- Health and errors ----

/** GET /health/ready (200 when ready, 503 with the same shape when not). */
export type ReadyStatus = Schemas['Readiness'];
export type HealthCheck = Schemas['HealthCheck'];

/** Every error the sidecar returns has this shape. */
export type ErrorEnvelope = Schemas['Error'];
export type ErrorCode = ErrorEnvelope['error']['code'];

/** Body of the list endpoints that are not paginated (escalation policies). */
export interface ItemList<T> {
  items: T[];
}

/** A page of a list endpoint: at most `limit` items; `nextCursor` (passed back as `cursor`) is null on the last. */
export interface PageOf<T> {
  items: T[];
  nextCursor?: string | null;
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
