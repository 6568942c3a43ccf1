/**
 * How alerts become incidents, as pure functions: label matchers, which rule applies, grouping keys, promotion,
 * silences, and a delivery turned into rows to store. The store loads rules and silences; this decides.
 */
import { createHash } from 'node:crypto';
import type { Severity } from './incidents.js';
import {
  alertFingerprint,
  alertStatus,
  mostSevere,
  normaliseTimestamp,
  serviceOf,
  severityOf,
  type AlertSource,
  type AlertStatus,
  type IncomingNotification,
} from './alerts.js';

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
/** An Alertmanager-style label matcher; regexes are anchored, as in Alertmanager and PromQL. */
export interface Matcher {
  name: string;
  op: (typeof MATCH_OPS)[number];
  value: string;
}

const regexCache = new Map<string, RegExp>();
function anchored(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** True when every matcher holds; a missing label has the value "" (Alertmanager's rule). */
export function matchesAll(matchers: readonly Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => {
    const value = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        return value === m.value;
      case '!=':
        return value !== m.value;
      case '=~':
        return anchored(m.value).test(value);
      case '!~':
        return !anchored(m.value).test(value);
    }
  });
}

export type AutoResolve = 'follow' | 'note';

/**
 * How alerts become incidents. The first enabled rule (by position) whose matchers hold applies; otherwise
 * DEFAULT_RULE. `groupBy` null keeps the sender's own grouping (its group key), else groups by those labels.
 */
export interface AlertRule {
  id: string | null;
  name: string;
  matchers: Matcher[];
  groupBy: string[] | null;
  /** Alerts of these severities open an incident at once. */
  promoteSeverities: Severity[];
  /** Open an incident once the group has this many alerts seen within the window (null: never by count). */
  minAlerts: number | null;
  /** ...or this many distinct alertnames within the window. */
  minAlertnames: number | null;
  windowMinutes: number;
  /** `follow`: the incident resolves when all its alerts have; `note`: that is only written on the timeline. */
  autoResolve: AutoResolve;
}

/**
 * Without rules: critical alerts open an incident at once; otherwise three alerts, or two different alertnames, in
 * one group within 15 minutes do. Incidents are never closed by machines unless a rule says `follow`: someone may
 * be mid-investigation when a flapping alert clears.
 */
export const DEFAULT_RULE: AlertRule = Object.freeze({
  id: null,
  name: 'default',
  matchers: [],
  groupBy: null,
  promoteSeverities: ['critical'],
  minAlerts: 3,
  minAlertnames: 2,
  windowMinutes: 15,
  autoResolve: 'note',
}) as AlertRule;

/** The rule that applies to an alert with these labels (rules already in position order, enabled only). */
export function selectRule(rules: readonly AlertRule[], labels: Record<string, string>): AlertRule {
  return rules.find((r) => matchesAll(r.matchers, labels)) ?? DEFAULT_RULE;
}

/** A group key, hashed (keys can be long) with the readable form kept for people. */
export interface GroupKey {
  key: string;
  description: string;
}

/**
 * Which group an alert belongs to. With a rule's `groupBy`, the values of those labels (any source). Else the
 * sender's group key scoped by source and receiver, so Alertmanager's and Grafana's own grouping stays intact;
 * else service + alertname.
 */
export function groupKeyOf(
  rule: AlertRule,
  notification: Omit<IncomingNotification, 'alerts'>,
  labels: Record<string, string>
): GroupKey {
  return toGroupKey(groupDescription(rule, notification, labels));
}

const toGroupKey = (description: string): GroupKey => ({
  key: createHash('sha256').update(description).digest('hex').slice(0, 32),
  description,
});

function groupDescription(
  rule: AlertRule,
  notification: Omit<IncomingNotification, 'alerts'>,
  labels: Record<string, string>
): string {
  if (rule.groupBy && rule.groupBy.length > 0) {
    return `labels ${rule.groupBy.map((n) => `${n}=${JSON.stringify(labels[n] ?? '')}`).join(',')}`;
  }
  if (notification.groupKey) {
    return `${notification.source} ${JSON.stringify(notification.receiver)} ${notification.groupKey}`;
  }
  const service = JSON.stringify(serviceOf(labels) ?? '');
  return `labels service=${service},alertname=${JSON.stringify(labels.alertname ?? '')}`;
}

/** What a group of not-yet-promoted, not-suppressed alerts looks like within its rule's window. */
export interface GroupStats {
  /** Alerts (firing or resolved) and distinct alertnames seen within the window: flapping counts. */
  alerts: number;
  alertnames: number;
  /** Severities of the alerts still firing: a critical alert that already resolved pages nobody. */
  severities: Severity[];
}

/** Why the group should become an incident now, or null while it should not. */
export function promotionReason(rule: AlertRule, stats: GroupStats): string | null {
  const urgent = stats.severities.filter((s) => rule.promoteSeverities.includes(s));
  if (urgent.length > 0) return `${mostSevere(urgent)} alert`;
  if (rule.minAlerts !== null && stats.alerts >= rule.minAlerts) {
    return `${stats.alerts} alerts within ${rule.windowMinutes} min`;
  }
  if (rule.minAlertnames !== null && stats.alertnames >= rule.minAlertnames) {
    return `${stats.alertnames} different alerts within ${rule.windowMinutes} min`;
  }
  return null;
}

/** A silence or maintenance window: matching alerts are recorded but never promoted nor attached. */
export interface Silence {
  id: string;
  kind: 'silence' | 'maintenance';
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date | null;
}

/** The silence that holds for these labels at `at`, if any. */
export function suppressionOf(
  silences: readonly Silence[],
  labels: Record<string, string>,
  at: Date
): Silence | undefined {
  const t = at.getTime();
  return silences.find(
    (s) => s.startsAt.getTime() <= t && (s.endsAt === null || s.endsAt.getTime() > t) && matchesAll(s.matchers, labels)
  );
}

/** An alert ready to store: identity settled, duplicates within the delivery merged, rule and silence decided. */
export interface PreparedAlert {
  source: AlertSource;
  fingerprint: string;
  /** Canonical UTC with microseconds (normaliseTimestamp). */
  startsAt: string;
  endsAt: string | null;
  status: AlertStatus;
  alertname: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorUrl: string | null;
  details: Record<string, unknown>;
  group: GroupKey;
  rule: AlertRule;
  suppressedBy: string | null;
  /** Copies of this alert in the delivery (a sender may repeat one). */
  deliveries: number;
}

/** The idempotency key of an alert within a source. */
export const alertKey = (a: { fingerprint: string; startsAt: string }) => `${a.fingerprint}|${a.startsAt}`;

/**
 * Turns a delivery into rows to upsert: fingerprints computed where missing, timestamps normalised, copies of one
 * alert merged (resolved wins: a resolution is never undone by a stale firing copy), sorted by key so concurrent
 * deliveries lock rows in the same order. Alerts whose startsAt cannot be read were rejected by the route.
 */
export function prepareAlerts(
  notification: IncomingNotification,
  rules: readonly AlertRule[],
  silences: readonly Silence[],
  now: Date
): PreparedAlert[] {
  const byKey = new Map<string, PreparedAlert>();
  // A notification is usually one group: hash each group's description once, not once per alert.
  const groups = new Map<string, GroupKey>();
  const groupOf = (rule: AlertRule, labels: Record<string, string>) => {
    const description = groupDescription(rule, notification, labels);
    let group = groups.get(description);
    if (!group) {
      group = toGroupKey(description);
      groups.set(description, group);
    }
    return group;
  };
  for (const alert of notification.alerts) {
    const startsAt = normaliseTimestamp(alert.startsAt);
    if (!startsAt) throw new Error(`unreadable startsAt: ${alert.startsAt}`);
    const fingerprint = alert.fingerprint?.trim() || alertFingerprint(alert.labels);
    const status = alertStatus(alert, now);
    const key = alertKey({ fingerprint, startsAt });
    const seen = byKey.get(key);
    if (seen) {
      seen.deliveries++;
      if (status === 'resolved' && seen.status === 'firing') {
        seen.status = 'resolved';
        seen.endsAt = normaliseTimestamp(alert.endsAt) ?? seen.endsAt;
      }
      continue;
    }
    const rule = selectRule(rules, alert.labels);
    byKey.set(key, {
      source: notification.source,
      fingerprint,
      startsAt,
      endsAt: normaliseTimestamp(alert.endsAt),
      status,
      alertname: alert.labels.alertname ?? '',
      severity: severityOf(alert.labels),
      labels: alert.labels,
      annotations: alert.annotations,
      generatorUrl: alert.generatorURL || null,
      details: alert.details ?? {},
      group: groupOf(rule, alert.labels),
      rule,
      suppressedBy: suppressionOf(silences, alert.labels, now)?.id ?? null,
      deliveries: 1,
    });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
