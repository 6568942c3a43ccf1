import type { Channel, Delivery, NotificationRule } from '../api/types';

let seq = 0;
const next = () => String(++seq).padStart(12, '0');
const NOW = '2026-03-02T10:00:00.000Z';

/** A channel as GET /api/channels returns it (secrets only named, in `secretsSet`). */
export function makeChannel(overrides: Partial<Channel> = {}): Channel {
  return {
    id: `c0000000-0000-4000-8000-${next()}`,
    kind: 'webhook',
    name: 'ops-webhook',
    settings: {},
    secretsSet: ['signingSecret', 'url'],
    muted: false,
    lastError: null,
    lastErrorAt: null,
    createdBy: 'admin',
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

export function makeRule(overrides: Partial<NotificationRule> = {}): NotificationRule {
  return {
    id: `b0000000-0000-4000-8000-${next()}`,
    name: 'Page payments',
    events: ['declared', 'resolved'],
    severities: [],
    services: [],
    teams: [],
    labels: {},
    channelIds: [],
    muted: false,
    createdBy: 'admin',
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

export function makeDelivery(overrides: Partial<Delivery> = {}): Delivery {
  const id = `d0000000-0000-4000-8000-${next()}`;
  return {
    id,
    incidentId: 'i1',
    channelId: 'c1',
    event: 'declared',
    detail: null,
    occurredAt: NOW,
    idempotencyKey: `key-${id}`,
    state: 'dead',
    attempts: 8,
    nextAttemptAt: NOW,
    lastError: '500 from receiver',
    lastStatus: 500,
    deliveredAt: null,
    createdAt: NOW,
    recipient: null,
    urgency: null,
    escalationStepId: null,
    ...overrides,
  };
}
