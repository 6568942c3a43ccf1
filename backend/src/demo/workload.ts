/**
 * The demo's traffic as Prometheus would have scraped it: the RED metrics the correlation's default queries read
 * (http_requests_total with `code`, the http_request_duration_seconds histogram) for the demo catalog's services,
 * with the demo incident planted in them. payments-api starts timing out two minutes before checkout's error burst
 * (the cause before the symptom); search runs steadily beside them (a service that did not move).
 *
 * Pure and deterministic: the same instant gives the same values, so blocks backfilled for the past
 * (`promtool tsdb create-blocks-from openmetrics`) and a live exporter scraped from now on (scripts/demo-prometheus)
 * write one continuous series. Every value is a cumulative count over time from a fixed origin: the integral of a
 * rate that is constant per phase plus a ±10 % ten-minute wave, which keeps counters monotonic.
 */

export interface ServiceTraffic {
  service: string;
  /** Requests per second. */
  rate: number;
  /** Share of requests answered 5xx, before and after `changeAt`. */
  errorRatio: { before: number; after: number };
  /** Mean latency in seconds (exponentially distributed, so p95 ≈ 3 × mean), before and after `changeAt`. */
  meanLatency: { before: number; after: number };
  /** Milliseconds from the incident's start when this service changed (negative: before it). Null: never. */
  changeOffsetMs: number | null;
}

export const DEMO_TRAFFIC: readonly ServiceTraffic[] = [
  {
    service: 'checkout',
    rate: 40,
    errorRatio: { before: 0.003, after: 0.06 },
    meanLatency: { before: 0.05, after: 0.3 },
    changeOffsetMs: 0,
  },
  {
    service: 'payments-api',
    rate: 25,
    errorRatio: { before: 0.002, after: 0.01 },
    meanLatency: { before: 0.03, after: 0.8 },
    changeOffsetMs: -120_000,
  },
  {
    service: 'search',
    rate: 60,
    errorRatio: { before: 0.001, after: 0.001 },
    meanLatency: { before: 0.02, after: 0.02 },
    changeOffsetMs: null,
  },
];

/** The buckets of the latency histogram, in seconds, as a client library's defaults would give. */
export const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/** Labels every demo series carries, so backfilled and scraped samples are one series (honor_labels). */
export const DEMO_LABELS = { job: 'demo-workload', instance: 'demo' } as const;

// Counts start at this instant; any fixed point before every sample works.
const ORIGIN_MS = Date.UTC(2020, 0, 1);
const WAVE_PERIOD_S = 600;
const WAVE_AMPLITUDE = 0.1;

/** ∫ rate·(1 + a·sin(ωs)) ds over [fromS, toS]. */
function waveIntegral(rate: number, fromS: number, toS: number): number {
  const omega = (2 * Math.PI) / WAVE_PERIOD_S;
  const antiderivative = (s: number) => rate * (s - (WAVE_AMPLITUDE / omega) * Math.cos(omega * s));
  return antiderivative(toS) - antiderivative(fromS);
}

/** Requests of one kind counted from the origin to `atMs`, the per-second rate being `before` then `after` at `changeAtMs`. */
function cumulative(atMs: number, changeAtMs: number | null, before: number, after: number): number {
  const at = (atMs - ORIGIN_MS) / 1000;
  if (changeAtMs === null || atMs <= changeAtMs) return waveIntegral(before, 0, at);
  const change = (changeAtMs - ORIGIN_MS) / 1000;
  return waveIntegral(before, 0, change) + waveIntegral(after, change, at);
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every series' value at `atMs`, for an incident that started at `incidentStartMs`. */
export function samplesAt(
  atMs: number,
  incidentStartMs: number,
  traffic: readonly ServiceTraffic[] = DEMO_TRAFFIC
): Sample[] {
  const samples: Sample[] = [];
  for (const t of traffic) {
    const changeAt = t.changeOffsetMs === null ? null : incidentStartMs + t.changeOffsetMs;
    const labels = { ...DEMO_LABELS, service: t.service };
    const count = (before: number, after: number) => cumulative(atMs, changeAt, before, after);
    const total = count(t.rate, t.rate);
    const errors = count(t.rate * t.errorRatio.before, t.rate * t.errorRatio.after);
    samples.push({
      name: 'http_requests_total',
      labels: { ...labels, code: '200' },
      value: Math.floor(total - errors),
    });
    samples.push({ name: 'http_requests_total', labels: { ...labels, code: '500' }, value: Math.floor(errors) });
    // Exponential latency with mean m: a share 1 − e^(−le/m) of requests is at most `le`.
    const share = (le: number, mean: number) => 1 - Math.exp(-le / mean);
    for (const le of LATENCY_BUCKETS) {
      const within = count(t.rate * share(le, t.meanLatency.before), t.rate * share(le, t.meanLatency.after));
      samples.push({
        name: 'http_request_duration_seconds_bucket',
        labels: { ...labels, le: String(le) },
        value: Math.floor(within),
      });
    }
    samples.push({
      name: 'http_request_duration_seconds_bucket',
      labels: { ...labels, le: '+Inf' },
      value: Math.floor(total),
    });
    samples.push({ name: 'http_request_duration_seconds_count', labels, value: Math.floor(total) });
    const seconds = count(t.rate * t.meanLatency.before, t.rate * t.meanLatency.after);
    samples.push({ name: 'http_request_duration_seconds_sum', labels, value: Math.round(seconds * 1000) / 1000 });
  }
  return samples;
}

const FAMILIES = [
  { family: 'http_requests', type: 'counter', prefix: 'http_requests_total' },
  { family: 'http_request_duration_seconds', type: 'histogram', prefix: 'http_request_duration_seconds' },
] as const;

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

/**
 * OpenMetrics text of every series from `fromMs` to `toMs` every `stepMs`, for promtool's backfill: families not
 * interleaved, each series' samples in time order, timestamps in seconds, `# EOF` last.
 */
export function openMetricsBetween(fromMs: number, toMs: number, stepMs: number, incidentStartMs: number): string {
  const times: number[] = [];
  for (let t = fromMs; t <= toMs; t += stepMs) times.push(t);
  const byTime = times.map((t) => samplesAt(t, incidentStartMs));
  const lines: string[] = [];
  for (const { family, type, prefix } of FAMILIES) {
    lines.push(`# TYPE ${family} ${type}`);
    const seriesCount = byTime[0]?.length ?? 0;
    for (let i = 0; i < seriesCount; i++) {
      const first = byTime[0]![i]!;
      if (!first.name.startsWith(prefix)) continue;
      const key = `${first.name}${labelText(first.labels)}`;
      times.forEach((t, k) => lines.push(`${key} ${byTime[k]![i]!.value} ${(t / 1000).toFixed(3)}`));
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** The exposition text of every series now, for the live exporter Prometheus scrapes. */
export function exposition(atMs: number, incidentStartMs: number): string {
  const lines: string[] = [];
  for (const { family, type, prefix } of FAMILIES) {
    lines.push(`# TYPE ${type === 'counter' ? `${family}_total` : family} ${type}`);
    for (const s of samplesAt(atMs, incidentStartMs))
      if (s.name.startsWith(prefix)) lines.push(`${s.name}${labelText(s.labels)} ${s.value}`);
  }
  return `${lines.join('\n')}\n`;
}
