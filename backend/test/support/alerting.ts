export interface TestAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
  fingerprint?: string;
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** An Alertmanager webhook v4 payload, as a current Alertmanager sends it (per-alert status, no fingerprints). */
export function alertmanagerPayload(alerts: TestAlert[], options: { groupKey?: string; receiver?: string } = {}) {
  const isResolved = alerts.every((a) => a.status === 'resolved');
  return {
    version: '4',
    groupKey: options.groupKey ?? '{}:{alertname="TestAlert"}',
    truncatedAlerts: 0,
    status: isResolved ? 'resolved' : 'firing',
    receiver: options.receiver ?? 'reliability-studio',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: a.startsAt ?? '2026-01-10T10:00:00.123456789Z',
      endsAt: a.endsAt ?? (a.status === 'resolved' ? '2026-01-10T10:05:00Z' : GO_ZERO_TIME),
      generatorURL: 'http://prometheus.example:9090/graph',
      ...(a.fingerprint ? { fingerprint: a.fingerprint } : {}),
    })),
  };
}

/** `n` distinct alerts of one group (numbered instance label). */
export function manyAlerts(n: number, labels: Record<string, string>, offset = 0): TestAlert[] {
  return Array.from({ length: n }, (_, i) => ({ labels: { ...labels, instance: `host-${offset + i}` } }));
}
