/**
 * Alert intake rules, as pure functions: Alertmanager-compatible fingerprints, timestamps normalised for the
 * idempotency key, severity from labels, label matchers, which rule applies, grouping keys and promotion.
 * No I/O here: the store loads rules and silences, the route parses payloads, this decides.
 */
import { createHash } from 'node:crypto';
import type { Severity } from './incidents.js';

export const ALERT_SOURCES = ['alertmanager', 'grafana'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** One alert as the senders describe it, after the route parsed the payload. */
export interface IncomingAlert {
  status?: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string | null;
  generatorURL?: string | null;
  fingerprint?: string | null;
  /** Source-specific extras kept as they came (Grafana's silenceURL, dashboardURL, values...). */
  details?: Record<string, unknown>;
}

/** One webhook delivery: a notification group with its alerts. */
export interface IncomingNotification {
  source: AlertSource;
  receiver: string;
  groupKey: string | null;
  alerts: IncomingAlert[];
}

// FNV-1a 64, as Prometheus' model.labelSetToFingerprint, in four 16-bit limbs so it needs no BigInt (intake hashes
// every label of every alert when a sender omits fingerprints, and BigInt arithmetic is ~20× slower).
const SEPARATOR = 0xff;

function fnv1a64(bytes: Uint8Array): string {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i]!;
    // × 0x100000001b3 = × 0x1b3 + (× 1 << 40); limbs above 64 bits fall off.
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return [h3, h2, h1, h0].map((limb) => limb.toString(16).padStart(4, '0')).join('');
}

/**
 * The fingerprint Alertmanager gives an alert: FNV-1a 64 over the label names in byte order, each name and value
 * followed by 0xff, printed as 16 hex digits. Used when a payload (older Alertmanager captures) has none, so the
 * same alert gets the same identity whichever version sent it.
 */
export function alertFingerprint(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const parts: Buffer[] = [];
  const sep = Buffer.of(SEPARATOR);
  for (const name of names) parts.push(Buffer.from(name, 'utf8'), sep, Buffer.from(labels[name]!, 'utf8'), sep);
  return fnv1a64(Buffer.concat(parts));
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i;

/**
 * A timestamp as canonical UTC with microseconds (what Postgres keeps), so one instant written with different
 * offsets or nanosecond digits gives one idempotency key. Go's zero time ("0001-01-01T00:00:00Z", Alertmanager's
 * endsAt while firing) and anything unparseable give null.
 */
export function normaliseTimestamp(text: string | null | undefined): string | null {
  const m = text ? TIMESTAMP.exec(text) : null;
  if (!m) return null;
  if (m[1]!.startsWith('0001-')) return null;
  const seconds = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(seconds)) return null;
  const micros = Math.round(Number(`0.${m[2] ?? '0'}`) * 1e6); // 0..1e6: rounding may carry into the next ms
  const ms = new Date(seconds + Math.floor(micros / 1000)).toISOString().slice(0, 23);
  return `${ms}${String(micros % 1000).padStart(3, '0')}Z`;
}

/**
 * Firing or resolved: the sender's per-alert status when given; else as Alertmanager's Alert.Status(): resolved
 * once endsAt is set and not in the future.
 */
export function alertStatus(alert: Pick<IncomingAlert, 'status' | 'endsAt'>, now: Date): AlertStatus {
  if (alert.status) return alert.status;
  const endsAt = normaliseTimestamp(alert.endsAt);
  return endsAt && Date.parse(endsAt) <= now.getTime() ? 'resolved' : 'firing';
}

// Values seen in the wild for the `severity` (or `priority`) label, folded onto the incident scale.
const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical', crit: 'critical', page: 'critical', emergency: 'critical', fatal: 'critical', p1: 'critical', sev1: 'critical',
  high: 'high', error: 'high', major: 'high', p2: 'high', sev2: 'high',
  warning: 'medium', warn: 'medium', medium: 'medium', moderate: 'medium', p3: 'medium', sev3: 'medium',
  low: 'low', info: 'low', informational: 'low', minor: 'low', ticket: 'low', none: 'low', p4: 'low', p5: 'low', sev4: 'low',
};

/**
 * Incident severity from an alert's `severity` label (else `priority`). An alert without one is `medium`: it
 * still counts towards promotion by numbers, but never opens an incident on its own as a critical one does.
 */
export function severityOf(labels: Record<string, string>): Severity {
  const word = (labels.severity ?? labels.priority ?? '').trim().toLowerCase();
  return SEVERITY_WORDS[word] ?? 'medium';
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The most severe of several; `low` for none. */
export function mostSevere(severities: Iterable<Severity>): Severity {
  let best: Severity = 'low';
  for (const s of severities) if (SEVERITY_RANK[s] < SEVERITY_RANK[best]) best = s;
  return best;
}

/** Labels that name the service an alert is about, most specific first. */
export const SERVICE_LABELS = ['service', 'service_name', 'app', 'job'] as const;

export function serviceOf(labels: Record<string, string>): string | null {
  for (const name of SERVICE_LABELS) if (labels[name]) return labels[name]!;
  return null;
}

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
      case '=': return value === m.value;
      case '!=': return value !== m.value;
      case '=~': return anchored(m.value).test(value);
      case '!~': return !anchored(m.value).test(value);
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
export function groupKeyOf(rule: AlertRule, notification: Omit<IncomingNotification, 'alerts'>, labels: Record<string, string>): GroupKey {
  let description: string;
  if (rule.groupBy && rule.groupBy.length > 0) {
    description = `labels ${rule.groupBy.map((n) => `${n}=${JSON.stringify(labels[n] ?? '')}`).join(',')}`;
  } else if (notification.groupKey) {
    description = `${notification.source} ${JSON.stringify(notification.receiver)} ${notification.groupKey}`;
  } else {
    description = `labels service=${JSON.stringify(serviceOf(labels) ?? '')},alertname=${JSON.stringify(labels.alertname ?? '')}`;
  }
  return { key: createHash('sha256').update(description).digest('hex').slice(0, 32), description };
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
export function suppressionOf(silences: readonly Silence[], labels: Record<string, string>, at: Date): Silence | undefined {
  const t = at.getTime();
  return silences.find(
    (s) => s.startsAt.getTime() <= t && (s.endsAt === null || s.endsAt.getTime() > t) && matchesAll(s.matchers, labels)
  );
}

/** Labels every alert shares (Alertmanager's commonLabels, recomputed so it also holds for merged payloads). */
export function commonLabels(labelSets: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = labelSets;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((l) => l[k] === v)));
}

/** A short incident title for a group of alerts: the first alert's summary, else its alertname. */
export function incidentTitle(alerts: ReadonlyArray<{ labels: Record<string, string>; annotations: Record<string, string> }>): string {
  const names = [...new Set(alerts.map((a) => a.labels.alertname ?? 'alert'))];
  const first = alerts[0];
  const summary = first?.annotations.summary?.trim() || first?.annotations.title?.trim();
  const service = first ? serviceOf(first.labels) : null;
  const head = summary ? `${names[0]}: ${summary}` : `${names[0]}${service ? ` on ${service}` : ''}`;
  const more = names.length > 1 ? ` (+${names.length - 1} more)` : '';
  const title = `${head}${more}`;
  return title.length > 200 ? `${title.slice(0, 199)}…` : title;
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
      group: groupKeyOf(rule, notification, alert.labels),
      rule,
      suppressedBy: suppressionOf(silences, alert.labels, now)?.id ?? null,
      deliveries: 1,
    });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
