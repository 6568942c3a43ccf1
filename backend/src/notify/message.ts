/** The NotificationMessage of a delivery, from the incident's state when it is sent (not when it was queued). */
import type { Urgency } from '../domain/escalation.js';
import type { NotificationEvent, NotificationMessage, NotifiedIncident, Recipient } from '../domain/notifications.js';
import type { Finding } from '../store/correlations.js';
import type { Incident } from '../store/incidents.js';

const WHAT: Record<NotificationEvent, (i: NotifiedIncident) => string> = {
  declared: () => 'declared',
  severity_raised: (i) => `raised to ${i.severity}`,
  status_changed: (i) => `is ${i.status}`,
  acknowledged: () => 'acknowledged',
  resolved: () => 'resolved',
  top_finding: () => 'has a new top finding',
  update_posted: () => 'update',
  test: () => 'test message',
  paged: () => 'is paging you',
};

export interface MessageInput {
  event: NotificationEvent;
  idempotencyKey: string;
  occurredAt: Date;
  detail: string | null;
  incident: Incident;
  findings: Finding[];
  warRoomUrl: string;
  /** The signed link, or null once the incident is acknowledged or resolved. */
  acknowledgeUrl: string | null;
  /** A page's person and urgency (deliveries.recipient, deliveries.urgency). */
  recipient?: Recipient | null;
  urgency?: Urgency | null;
}

export function buildMessage(input: MessageInput): NotificationMessage {
  const { incident: i } = input;
  const incident: NotifiedIncident = {
    id: i.id,
    reference: i.reference,
    title: i.title,
    severity: i.severity,
    status: i.status,
    services: i.services.map((s) => s.name),
    commander: i.commander,
    startedAt: i.startedAt.toISOString(),
    acknowledgedAt: i.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: i.resolvedAt?.toISOString() ?? null,
  };
  return {
    event: input.event,
    idempotencyKey: input.idempotencyKey,
    occurredAt: input.occurredAt.toISOString(),
    incident,
    headline: `${incident.reference} ${WHAT[input.event](incident)} (${incident.severity}): ${incident.title}`,
    detail: input.detail,
    findings: input.findings
      .slice(0, 3)
      .map((f) => ({ source: f.source, service: f.service, summary: f.summary, score: f.score })),
    ...(input.event === 'paged' ? { recipient: input.recipient ?? null, urgency: input.urgency ?? 'high' } : {}),
    links: { warRoom: input.warRoomUrl, acknowledge: input.acknowledgeUrl },
  };
}

/** What "send a test message" sends: an example incident, so the receiver sees every field filled. */
export function testMessage(channelName: string, warRoomBase: string, now: Date): NotificationMessage {
  const id = '00000000-0000-4000-8000-000000000000';
  return {
    event: 'test',
    idempotencyKey: `rs-test-${now.getTime()}`,
    occurredAt: now.toISOString(),
    incident: {
      id,
      reference: 'INC-0',
      title: 'Test notification from Reliability Studio',
      severity: 'low',
      status: 'open',
      services: [],
      commander: null,
      startedAt: now.toISOString(),
      acknowledgedAt: null,
      resolvedAt: null,
    },
    headline: `Test message for channel ${channelName}: notifications reach you here`,
    detail: 'Sent from the channel settings; nothing happened.',
    findings: [],
    links: { warRoom: `${warRoomBase}`, acknowledge: null },
  };
}
