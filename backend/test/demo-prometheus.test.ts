/**
 * The demo with a real Prometheus (`npm run start:prometheus`): the demo workload backfilled into Debian's
 * Prometheus and scraped live, and the demo incident's Prometheus evidence computed from it by the correlation
 * engine with its production settings, not taken from the canned sample.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeSource } from '../src/correlation/changeSource.js';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { PrometheusSource } from '../src/correlation/prometheusSource.js';
import { loadConfig } from '../src/config.js';
import { startDemoPrometheus, type DemoPrometheus } from '../src/demo/prometheus.js';
import { DEMO_TRAFFIC, samplesAt } from '../src/demo/workload.js';
import { seedDemoData } from '../src/store/demo.js';
import { SAMPLE_NOTE } from '../src/store/demoEvidence.js';
import { createPrometheusClient } from '../src/telemetry/prometheus.js';
import { freePort } from './support/net.js';
import { PROMETHEUS_BIN, PROMTOOL_BIN, shouldRunPrometheusTests } from './support/prometheusServer.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const MINUTE = 60_000;

describe('the demo workload', () => {
  const start = Date.UTC(2026, 2, 6, 14, 0);
  const value = (at: number, name: string, labels: Record<string, string>) =>
    samplesAt(at, start).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))!
      .value;
  /** Error ratio over the five minutes before `at`, as rate() would see it. */
  const errorRatio = (service: string, at: number) => {
    const errors =
      value(at, 'http_requests_total', { service, code: '500' }) -
      value(at - 5 * MINUTE, 'http_requests_total', { service, code: '500' });
    const ok =
      value(at, 'http_requests_total', { service, code: '200' }) -
      value(at - 5 * MINUTE, 'http_requests_total', { service, code: '200' });
    return errors / (errors + ok);
  };

  it('plants the checkout burst at the incident start and leaves search alone', () => {
    expect(errorRatio('checkout', start - 10 * MINUTE)).toBeCloseTo(0.003, 3);
    expect(errorRatio('checkout', start + 10 * MINUTE)).toBeCloseTo(0.06, 2);
    expect(errorRatio('search', start + 10 * MINUTE)).toBeCloseTo(errorRatio('search', start - 10 * MINUTE), 3);
  });

  it('keeps every counter and bucket monotonic, buckets nested, across the change', () => {
    let previous = samplesAt(start - 30 * MINUTE, start);
    for (let at = start - 30 * MINUTE + 15_000; at < start + 30 * MINUTE; at += 15_000) {
      const now = samplesAt(at, start);
      now.forEach((s, i) => expect(s.value).toBeGreaterThanOrEqual(previous[i]!.value));
      previous = now;
    }
    for (const t of DEMO_TRAFFIC) {
      const buckets = previous
        .filter((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.service === t.service)
        .map((s) => s.value);
      expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
    }
  });
});

describe.runIf(shouldRunPrometheusTests)('the demo incident correlated against a real Prometheus', () => {
  let sidecar: TestSidecar;
  let prometheus: DemoPrometheus;
  let startedAt: number;
  /** The Prometheus source's message in the run the demo seeded, before correlating for real. */
  let seededMessage: string | null;
  let result: {
    run: { sources: Record<string, { status: string; message: string | null }> };
    findings: Array<{
      source: string;
      service: string;
      signal: string;
      rank: number;
      summary: string;
      changedAt: string | null;
    }>;
  };

  beforeAll(async () => {
    // As npm run start:prometheus does: Prometheus up before the sidecar, the traffic planted once the demo
    // incident's start is known.
    prometheus = await startDemoPrometheus({
      port: await freePort(),
      prometheusBin: PROMETHEUS_BIN,
      promtoolBin: PROMTOOL_BIN,
    });
    const config = loadConfig({ PROMETHEUS_URL: prometheus.url });
    sidecar = await startSidecar({
      correlation: ({ db, resilience }) =>
        new CorrelationEngine({
          db,
          sources: [
            new PrometheusSource({
              client: createPrometheusClient(config.prometheus, resilience),
              datasourceUid: 'prometheus',
            }),
            new ChangeSource(db),
          ],
          budgetMs: config.correlation.budgetMs,
          leadMs: config.correlation.leadMs,
        }),
    });
    expect(await seedDemoData(sidecar.sql)).toBe(true);
    const [incident] = await sidecar.sql<{ id: string; startedAt: Date }[]>`
      select id, started_at from incidents where title = 'Checkout error rate above 5%'`;
    startedAt = incident!.startedAt.getTime();
    seededMessage = (await expectStatus(await sidecar.call(`/api/incidents/${incident!.id}/correlations`), 200)).run
      .sources.prometheus.message;
    await prometheus.plant(startedAt);
    result = await expectStatus(
      await sidecar.call(`/api/incidents/${incident!.id}/correlate`, { method: 'POST' }),
      200
    );
    console.log(`demo with Prometheus: ${result.findings.map((f) => `#${f.rank} ${f.summary}`).join(' | ')}`);
  }, 180_000);

  afterAll(async () => {
    await sidecar?.close();
    await prometheus?.stop();
  });

  it('computes the evidence: the checkout error ratio among the top three, changed within a query step or two of the start', () => {
    expect(result.run.sources.prometheus?.status).toBe('ok');
    const summaries = result.findings
      .map((f) => `${f.rank} ${f.source} ${f.service} ${f.signal} ${f.changedAt}`)
      .join('; ');
    // The seeded run was the canned sample; this one is computed.
    expect(seededMessage).toBe(SAMPLE_NOTE);
    expect(result.run.sources.prometheus?.message).not.toBe(SAMPLE_NOTE);
    const errors = result.findings.find((f) => f.service === 'checkout' && f.signal === 'error_ratio');
    expect(errors, summaries).toBeDefined();
    expect(errors!.rank, summaries).toBeLessThanOrEqual(3);
    // The range query's step (tens of seconds over this window) and rate()'s window blur the instant by up to two.
    expect(Math.abs(Date.parse(errors!.changedAt!) - startedAt), summaries).toBeLessThanOrEqual(2 * MINUTE);
  });

  it('finds the cause before the symptom: payments-api latency rose about two minutes earlier', () => {
    const summaries = result.findings
      .map((f) => `${f.rank} ${f.source} ${f.service} ${f.signal} ${f.changedAt}`)
      .join('; ');
    const latency = result.findings.find((f) => f.service === 'payments-api' && f.signal === 'latency_p95');
    expect(latency, summaries).toBeDefined();
    const lead = startedAt - Date.parse(latency!.changedAt!);
    expect(lead, summaries).toBeGreaterThanOrEqual(MINUTE);
    expect(lead, summaries).toBeLessThanOrEqual(3 * MINUTE);
    // Search did not move.
    expect(
      result.findings.some((f) => f.service === 'search'),
      summaries
    ).toBe(false);
  });
});
