/**
 * What a notification is, independent of where it goes: the incident events that cause one, the message every
 * channel renders in its own format, and how a notification rule picks the events it wants. Pure: the store
 * writes deliveries, notify/ renders and sends them.
 */
import type { Urgency } from './escalation.js';
import type { IncidentStatus, Severity } from './incidents.js';

/**
 * Incident events a rule can ask for (`test` is "send a test message" from the channel's page; `paged` is an
 * escalation step's page, written by the escalation itself, never by a rule).
 */
export const NOTIFICATION_EVENTS = [
  'declared',
  'severity_raised',
  'status_changed',
  'acknowledged',
  'resolved',
  'top_finding',
  'update_posted',
  'test',
  'paged',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Where notifications go; every kind is self-hostable and needs no cloud relay. */
export const CHANNEL_KINDS = ['webhook', 'slack', 'teams', 'email', 'ntfy'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The incident as a message shows it. */
export interface NotifiedIncident {
  id: string;
  reference: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  services: string[];
  commander: string | null;
  startedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

/**
 * Whom a page is for, when it is for a person (deliveries.recipient): the sender reaches `target` through its
 * channel in place of the channel's own address (email: the address; ntfy: the topic on the channel's server;
 * slack: a mention in the channel's room; webhook: a label sent along to the person's own URL).
 */
export interface Recipient {
  personId: string;
  login: string;
  name: string;
  kind: 'email' | 'ntfy' | 'slack' | 'webhook';
  target: string;
}

/** One message, rendered by every channel kind in its own format (notify/channels/). */
export interface NotificationMessage {
  event: NotificationEvent;
  /**
   * The same for every attempt of one delivery (one event, one channel or person): receivers drop repeats by it
   * (webhook `Idempotency-Key`, email `Message-ID`, ntfy's message id).
   */
  idempotencyKey: string;
  /** When the event happened (ISO 8601), not when this attempt is made. */
  occurredAt: string;
  incident: NotifiedIncident;
  /** One line: "INC-42 declared (critical): High error rate detected". */
  headline: string;
  /** What changed, in a sentence or two (the status move, the update's text, the new finding). */
  detail: string | null;
  /** The correlation's top findings, best first, at most three. */
  findings: Array<{ source: string; service: string | null; summary: string; score: number }>;
  /** A page's person (null or absent: the channel's own audience). */
  recipient?: Recipient | null;
  /** A page's urgency, which senders map to their priority (absent for other events). */
  urgency?: Urgency | null;
  links: {
    /** The war room in Grafana. */
    warRoom: string;
    /** Signed acknowledge link (a confirmation page; the POST on it acknowledges). Absent once acknowledged. */
    acknowledge: string | null;
  };
}

/** Severities from least to most severe, for "severity raised". */
export const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** What a rule matches on; an empty list or absent field matches everything. */
export interface NotificationFilter {
  events: NotificationEvent[];
  severities?: Severity[];
  services?: string[];
  teams?: string[];
  /** Every label given must be on the incident with this value. */
  labels?: Record<string, string>;
}

/** The facts about an incident a filter is checked against. */
export interface FilterSubject {
  event: NotificationEvent;
  severity: Severity;
  services: string[];
  teams: string[];
  labels: Record<string, string>;
}

/** True when the rule wants this event of this incident. */
export function matchesFilter(filter: NotificationFilter, subject: FilterSubject): boolean {
  const overlaps = (wanted: readonly string[] | undefined, actual: readonly string[]) =>
    !wanted || wanted.length === 0 || wanted.some((w) => actual.includes(w));
  return (
    filter.events.includes(subject.event) &&
    overlaps(filter.severities, [subject.severity]) &&
    overlaps(filter.services, subject.services) &&
    overlaps(filter.teams, subject.teams) &&
    Object.entries(filter.labels ?? {}).every(([key, value]) => subject.labels[key] === value)
  );
}
