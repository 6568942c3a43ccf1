/**
 * What an alert is, as pure functions: Alertmanager-compatible fingerprints, timestamps normalised for the
 * idempotency key, status, severity and service from labels, and how a group of alerts names its incident.
 * How alerts are grouped and promoted is in alertRules.ts.
 */
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
  /** Extras every alert of the delivery shares (receiver, externalURL), stored with each. */
  details?: Record<string, unknown>;
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
  // Already UTC with at most microseconds (what Alertmanager and Grafana send): only pad, no arithmetic.
  const fraction = m[2] ?? '';
  if ((m[3] === 'Z' || m[3] === 'z') && fraction.length <= 6)
    return `${m[1]!.toUpperCase()}.${fraction.padEnd(6, '0')}Z`;
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
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  emergency: 'critical',
  fatal: 'critical',
  p1: 'critical',
  sev1: 'critical',
  high: 'high',
  error: 'high',
  major: 'high',
  p2: 'high',
  sev2: 'high',
  warning: 'medium',
  warn: 'medium',
  medium: 'medium',
  moderate: 'medium',
  p3: 'medium',
  sev3: 'medium',
  low: 'low',
  info: 'low',
  informational: 'low',
  minor: 'low',
  ticket: 'low',
  none: 'low',
  p4: 'low',
  p5: 'low',
  sev4: 'low',
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

/** Labels every alert shares (Alertmanager's commonLabels, recomputed so it also holds for merged payloads). */
export function commonLabels(labelSets: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = labelSets;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((l) => l[k] === v)));
}

/** A short incident title for a group of alerts: the first alert's summary, else its alertname. */
export function incidentTitle(
  alerts: ReadonlyArray<{ labels: Record<string, string>; annotations: Record<string, string> }>
): string {
  const names = [...new Set(alerts.map((a) => a.labels.alertname ?? 'alert'))];
  const first = alerts[0];
  const summary = first?.annotations.summary?.trim() || first?.annotations.title?.trim();
  const service = first ? serviceOf(first.labels) : null;
  const head = summary ? `${names[0]}: ${summary}` : `${names[0]}${service ? ` on ${service}` : ''}`;
  const more = names.length > 1 ? ` (+${names.length - 1} more)` : '';
  const title = `${head}${more}`;
  return title.length > 200 ? `${title.slice(0, 199)}…` : title;
}
