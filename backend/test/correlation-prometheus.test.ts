/**
 * Correlation against a real Prometheus scraping (every second) an exporter this test drives: checkout serves a
 * steady 50 req/s with 1 error/s, then its errors jump to 30/s (and traffic to 60 req/s). The engine, through
 * POST /api/incidents/:id/correlate, must find the jump in the error ratio, rank it first, score it high, and
 * say it began within a few scrapes of when it did. Windows are seconds long (engine options) to keep it fast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeSource } from '../src/correlation/changeSource.js';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { PrometheusSource } from '../src/correlation/prometheusSource.js';
import { loadConfig } from '../src/config.js';
import { createPrometheusClient } from '../src/telemetry/prometheus.js';
import {
  eventually,
  shouldRunPrometheusTests,
  startExporter,
  startPrometheus,
  type Exporter,
  type TestPrometheus,
} from './support/prometheusServer.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const BASELINE_MS = 15_000;
const LEAD_MS = 4_000;
const AFTER_JUMP_MS = 12_000;

/** Requests per second by status code; switched at the jump. */
let rates = { ok: 49, failed: 1 };
const totals = { ok: 0, failed: 0 };
let lastRender = Date.now();
/** Latency histogram: every request under 100 ms (p95 ≈ 95 ms), steady throughout. */
const BUCKETS = ['0.05', '0.1', '0.25', '+Inf'];

function render(): string {
  const now = Date.now();
  const seconds = (now - lastRender) / 1000;
  lastRender = now;
  totals.ok += rates.ok * seconds;
  totals.failed += rates.failed * seconds;
  const all = totals.ok + totals.failed;
  return [
    '# TYPE http_requests_total counter',
    `http_requests_total{service="checkout",code="200"} ${totals.ok}`,
    `http_requests_total{service="checkout",code="500"} ${totals.failed}`,
    '# TYPE http_request_duration_seconds histogram',
    ...BUCKETS.map((le) => `http_request_duration_seconds_bucket{service="checkout",le="${le}"} ${le === '0.05' ? all / 2 : all}`),
    `http_request_duration_seconds_sum{service="checkout"} ${all * 0.05}`,
    `http_request_duration_seconds_count{service="checkout"} ${all}`,
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(shouldRunPrometheusTests)('correlation finds a jump in a real Prometheus', () => {
  let exporter: Exporter;
  let prometheus: TestPrometheus;
  let sidecar: TestSidecar;
  let jumpAt: number;
  let result: {
    run: { sources: Record<string, { status: string }> };
    findings: Array<{
      source: string;
      service: string;
      signal: string;
      score: number;
      rank: number;
      summary: string;
      query: string;
      changedAt: string | null;
      exploreUrl: string | null;
      data: { series: Array<{ t: number; v: number | null }>; baselineValue: number; currentValue: number; unit: string };
    }>;
  };

  beforeAll(async () => {
    exporter = await startExporter(render);
    prometheus = await startPrometheus([exporter.target], '1s');
    sidecar = await startSidecar({
      correlation: ({ db, resilience }) => {
        const config = loadConfig({ PROMETHEUS_URL: prometheus.url, TELEMETRY_CACHE_TTL_MS: '1' });
        return new CorrelationEngine({
          db,
          sources: [
            new PrometheusSource({
              client: createPrometheusClient(config.prometheus, resilience),
              datasourceUid: 'prometheus-main',
              minRateRangeSeconds: 3,
            }),
            new ChangeSource(db),
          ],
          budgetMs: 5000,
          leadMs: LEAD_MS,
          baselineMinMs: BASELINE_MS,
          baselineMaxMs: BASELINE_MS,
        });
      },
    });
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
    await eventually(async () => (await prometheus.query('http_requests_total')).length === 2, 15_000, 'first scrape');
    // The baseline (and the lead before the incident) fills with steady traffic.
    await sleep(BASELINE_MS + LEAD_MS + 2000);
    jumpAt = Date.now();
    rates = { ok: 30, failed: 30 };
    await sleep(AFTER_JUMP_MS);
    const incident = await expectStatus(
      await sidecar.call('/api/incidents', {
        method: 'POST',
        json: { title: 'Checkout errors', severity: 'critical', services: ['checkout'], startedAt: new Date(jumpAt).toISOString() },
      }),
      201
    );
    result = await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/correlate`, { method: 'POST' }), 200);
  }, 90_000);

  afterAll(async () => {
    await sidecar?.close();
    await prometheus?.stop();
    await exporter?.close();
  });

  it('ranks the error-ratio jump first with a high score', () => {
    expect(result.run.sources.prometheus?.status).toBe('ok');
    const [top] = result.findings;
    expect(top, JSON.stringify(result.findings.map((f) => [f.signal, f.score]))).toMatchObject({
      source: 'prometheus',
      service: 'checkout',
      signal: 'error_ratio',
      rank: 1,
    });
    // 1 of 50 before, 30 of 60 after: a 25-fold rise of the error ratio (half fold 3) scores ~0.89.
    expect(top!.score).toBeGreaterThan(0.85);
    expect(top!.data.baselineValue).toBeCloseTo(0.02, 2);
    expect(top!.data.currentValue).toBeGreaterThan(0.4);
    expect(top!.summary).toMatch(/^Error ratio of checkout rose from 2 % to \d+(\.\d+)? % since \d\d:\d\d:\d\d UTC$/);
  });

  it('says when the jump began, within a few scrape intervals', () => {
    const changedAt = Date.parse(result.findings[0]!.changedAt!);
    expect(changedAt - jumpAt).toBeGreaterThanOrEqual(-1000);
    expect(changedAt - jumpAt).toBeLessThanOrEqual(4000);
  });

  it('keeps the exact query, an Explore link and the series for a sparkline', () => {
    const top = result.findings[0]!;
    expect(top.query).toBe(
      'sum(rate(http_requests_total{service="checkout",code=~"5.."}[4s])) / sum(rate(http_requests_total{service="checkout"}[4s]))'
    );
    const panes = JSON.parse(new URL(top.exploreUrl!, 'http://grafana').searchParams.get('panes')!);
    expect(panes.a.queries[0]).toMatchObject({ expr: top.query, datasource: { type: 'prometheus', uid: 'prometheus-main' } });
    expect(top.data.unit).toBe('ratio');
    const points = top.data.series;
    expect(points.length).toBeGreaterThan(20);
    expect(points.every((p) => Number.isInteger(p.t) && (p.v === null || Number.isFinite(p.v)))).toBe(true);
    expect(points.at(-1)!.v!).toBeGreaterThan(0.4);
  });

  it('keeps out the small move in traffic (50 → 60 req/s, 1.2-fold: ~0.02) and the steady latency', () => {
    expect(result.findings.find((f) => f.signal === 'request_rate')).toBeUndefined();
    expect(result.findings.find((f) => f.signal === 'latency_p95')).toBeUndefined();
  });
});
