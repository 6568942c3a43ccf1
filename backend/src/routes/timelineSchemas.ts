/**
 * A timeline entry on the wire: one schema per kind (store/timeline.ts TIMELINE_EVENT_TYPES), each with the `data`
 * the store writes for it, joined on `type`. Used by the timeline routes, pins and the postmortem.
 */
import { z } from '@hono/zod-openapi';
import { CORRELATION_SOURCES } from '../correlation/findings.js';
import { ALERT_SOURCES } from '../domain/alerts.js';
import { INCIDENT_STATUSES, SEVERITIES } from '../domain/incidents.js';
import { ESCALATION_STATES, URGENCIES } from '../domain/escalation.js';
import { CHANNEL_KINDS, NOTIFICATION_EVENTS } from '../domain/notifications.js';
import { CONTACT_KINDS } from '../store/people.js';
import { iso } from '../http/openapi.js';
import type { TimelineEvent, TimelineEventType } from '../store/timeline.js';
import { RecipientSchema } from './channels.js';
import { FindingSchema, SourceRunSchema } from './correlations.js';
import { HypothesisSchema } from './hypotheses.js';

const entry = <T extends TimelineEventType, D extends z.ZodType>(type: T, data: D, name: string) =>
  z
    .object({
      id: z.uuid(),
      incidentId: z.uuid(),
      type: z.literal(type),
      occurredAt: z.iso.datetime(),
      author: z.string(),
      source: z.enum(['user', 'system', 'api']),
      message: z.string(),
      data,
    })
    .openapi(name);

/** A step's target as it was when the step fired. */
export const FiredTargetSchema = z
  .object({
    kind: z.enum(['schedule', 'person', 'channel']),
    id: z.uuid(),
    name: z.string().nullable().openapi({ description: 'Null when it no longer existed' }),
    personId: z.uuid().nullable().optional().openapi({ description: 'schedule: who was on call (null: nobody)' }),
    personName: z.string().nullable().optional(),
  })
  .openapi('EscalationTarget');

const change = <T extends z.ZodType>(value: T) => z.object({ from: value, to: value });

const AlertEntryData = {
  alertId: z.uuid(),
  source: z.enum(ALERT_SOURCES),
  fingerprint: z.string(),
  labels: z.record(z.string(), z.string()),
};

export const EvidencePinnedEventSchema = entry(
  'evidence_pinned',
  z.object({
    finding: FindingSchema.openapi({ description: 'The finding frozen at pin time, result data included' }),
    note: z.string().nullable(),
  }),
  'EvidencePinnedEvent'
);

/** Each kind, keyed by it: the compiler holds this to TIMELINE_EVENT_TYPES. */
const ENTRIES = {
  created: entry(
    'created',
    z.object({
      severity: z.enum(SEVERITIES),
      services: z.array(z.string()),
      servicesAdded: z.array(z.string()).optional().openapi({ description: 'Names the catalog did not know' }),
    }),
    'IncidentCreatedEvent'
  ),
  status_changed: entry('status_changed', change(z.enum(INCIDENT_STATUSES)), 'StatusChangedEvent'),
  severity_changed: entry('severity_changed', change(z.enum(SEVERITIES)), 'SeverityChangedEvent'),
  commander_changed: entry('commander_changed', change(z.string().nullable()), 'CommanderChangedEvent'),
  details_changed: entry(
    'details_changed',
    z.object({ fields: z.array(z.enum(['title', 'description'])) }),
    'DetailsChangedEvent'
  ),
  note: entry(
    'note',
    z.object({
      isUpdate: z.boolean().optional().openapi({ description: 'Posted as an update: sent to the channels that want updates' }),
    }),
    'NoteEvent'
  ),
  alert_fired: entry(
    'alert_fired',
    z.object({ ...AlertEntryData, startsAt: z.iso.datetime({ offset: true }) }),
    'AlertFiredEvent'
  ),
  alert_resolved: entry(
    'alert_resolved',
    z.object({ ...AlertEntryData, endsAt: z.iso.datetime({ offset: true }).nullable() }),
    'AlertResolvedEvent'
  ),
  alerts_resolved: entry(
    'alerts_resolved',
    z.object({ rule: z.string(), alerts: z.number().int(), autoResolve: z.enum(['follow', 'note']) }),
    'AlertsResolvedEvent'
  ),
  correlation_found: entry(
    'correlation_found',
    z.object({
      runId: z.uuid(),
      findings: z.number().int().openapi({ description: 'Findings of the run' }),
      top: z.array(FindingSchema).openapi({ description: 'The best three' }),
      sources: z.record(z.enum(CORRELATION_SOURCES), SourceRunSchema),
    }),
    'CorrelationFoundEvent'
  ),
  hypothesis_added: entry('hypothesis_added', z.object({ hypothesis: HypothesisSchema }), 'HypothesisAddedEvent'),
  hypothesis_decided: entry(
    'hypothesis_decided',
    z.object({ hypothesis: HypothesisSchema, note: z.string().nullable() }),
    'HypothesisDecidedEvent'
  ),
  evidence_pinned: EvidencePinnedEventSchema,
  acknowledged: entry(
    'acknowledged',
    z.object({
      via: z.enum(['api', 'link']).openapi({ description: 'The API (the war room) or a signed acknowledge link' }),
      recipient: z.string().nullable().openapi({ description: "Whom the link was sent to: a channel's name or a paged person's login" }),
    }),
    'AcknowledgedEvent'
  ),
  notification: entry(
    'notification',
    z.object({
      deliveryId: z.uuid(),
      channelId: z.uuid(),
      channel: z.string(),
      kind: z.enum(CHANNEL_KINDS),
      event: z.enum(NOTIFICATION_EVENTS),
      outcome: z.enum(['delivered', 'retrying', 'dead']),
      attempt: z.number().int(),
      error: z.string().nullable().openapi({ description: "Why it failed, as the receiver said (never the channel's secrets)" }),
      status: z.number().int().nullable().openapi({ description: "The receiver's HTTP status, when it answered" }),
      nextAttemptAt: z.iso.datetime().nullable(),
      // A page's person (null otherwise; absent in entries written before pages existed).
      recipient: z.union([RecipientSchema, z.null()]).optional(),
    }),
    'NotificationOutcomeEvent'
  ),
  escalation: entry(
    'escalation',
    z.object({
      action: z.enum(['started', 'step', 'stopped', 'exhausted']),
      policyId: z.uuid().nullable().openapi({ description: 'Null once the policy was deleted' }),
      policyName: z.string(),
      state: z.enum(ESCALATION_STATES).openapi({ description: 'The escalation after this entry' }),
      stepId: z.uuid().optional(),
      step: z.number().int().optional().openapi({ description: 'step: which one (0-based)' }),
      pass: z.number().int().optional().openapi({ description: 'step: which pass over the steps (0-based)' }),
      trigger: z.enum(['start', 'timer', 'escalate_now']).optional(),
      target: FiredTargetSchema.optional(),
      urgency: z.enum(URGENCIES).optional(),
      pages: z
        .array(
          z.object({
            deliveryId: z.uuid(),
            channelId: z.uuid(),
            channel: z.string(),
            kind: z.enum(CHANNEL_KINDS),
            contact: z.enum(CONTACT_KINDS).nullable().openapi({ description: "The person's contact method; null for a channel step" }),
          })
        )
        .optional(),
      problem: z.string().nullable().optional().openapi({ description: 'step: why nobody was paged' }),
      skipped: z.array(z.string()).optional().openapi({ description: 'step: contact methods that could not be used, and why' }),
    }),
    'EscalationEvent'
  ),
} satisfies { [T in TimelineEventType]: z.ZodObject<{ type: z.ZodLiteral<T> } & z.ZodRawShape> };

export const TimelineEventSchema = z
  .discriminatedUnion('type', [
    ENTRIES.created,
    ENTRIES.status_changed,
    ENTRIES.severity_changed,
    ENTRIES.commander_changed,
    ENTRIES.details_changed,
    ENTRIES.note,
    ENTRIES.alert_fired,
    ENTRIES.alert_resolved,
    ENTRIES.alerts_resolved,
    ENTRIES.correlation_found,
    ENTRIES.hypothesis_added,
    ENTRIES.hypothesis_decided,
    ENTRIES.evidence_pinned,
    ENTRIES.acknowledged,
    ENTRIES.notification,
    ENTRIES.escalation,
  ])
  .openapi('TimelineEvent');

export type WireTimelineEvent = z.infer<typeof TimelineEventSchema>;

/**
 * A stored entry as the wire's TimelineEvent (of kind T, when the caller knows it). Its `data` is what the store
 * wrote for its kind, which the schemas above describe; the row type cannot say so, hence the assertion.
 */
export const wireTimelineEvent = <T extends TimelineEventType = TimelineEventType>(e: TimelineEvent) =>
  ({ ...e, occurredAt: iso(e.occurredAt) }) as Extract<WireTimelineEvent, { type: T }>;
