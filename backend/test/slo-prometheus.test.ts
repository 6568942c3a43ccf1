/**
 * SLO status from a real Prometheus scraping an exporter whose counters this test drives. Every expected figure
 * is worked out below from the counter increments; the exported rules pass promtool and run in that Prometheus.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';
import {
  eventually,
  promtoolCheckRules,
  shouldRunPrometheusTests,
  startExporter,
  startPrometheus,
  type Exporter,
  type TestPrometheus,
} from './support/prometheusServer.js';

// Offsets far above the increments: Prometheus never extrapolates these counters towards zero, so numerator
// and denominator of every ratio are extrapolated alike and the ratios come out exact.
const counters = { total: 1_000_000, errors: 100_000 };
const render = () =>
  [
    '# TYPE test_requests_total counter',
    `test_requests_total ${counters.total}`,
    '# TYPE test_requests_errors_total counter',
    `test_requests_errors_total ${counters.errors}`,
    '# TYPE test_requests_good_total counter',
    `test_requests_good_total ${counters.total - counters.errors}`,
    '',
  ].join('\n');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(shouldRunPrometheusTests)('SLO status from a real Prometheus', () => {
  let exporter: Exporter;
  let prometheus: TestPrometheus;
  let sidecar: TestSidecar;
  const slos: Record<string, { id: string }> = {};
  let incident: { id: string; startedAt: string };
  let beforeIncident: string;
  /** Status is asked at this fixed time (by default the sidecar rounds "now" down to share cached answers). */
  let evaluatedAt: string;

  /** Waits until Prometheus has scraped the current counters, then two more scrapes. */
  const settle = async () => {
    await eventually(
      async () => (await prometheus.query('test_requests_total'))[0]?.value[1] === String(counters.total),
      10_000,
      'scrape'
    );
    await sleep(1100);
  };

  beforeAll(async () => {
    exporter = await startExporter(render);
    prometheus = await startPrometheus([exporter.target]);
    sidecar = await startSidecar({ env: { PROMETHEUS_URL: prometheus.url } });
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
    const create = async (name: string, body: Record<string, unknown>) => {
      slos[name] = await expectStatus(
        await sidecar.call('/api/slos', { method: 'POST', json: { service: 'checkout', name, ...body } }),
        201
      );
    };
    const total = 'sum(rate(test_requests_total[{{window}}]))';
    await create('availability', {
      sli: { type: 'ratio', good: 'sum(rate(test_requests_good_total[{{window}}]))', total },
      objective: 99,
      window: { type: 'rolling', days: 30 },
    });
    await create('errors', {
      sli: { type: 'errors', errors: 'sum(rate(test_requests_errors_total[{{ window }}]))', total },
      objective: 99,
      window: { type: 'rolling', days: 30 },
    });
    await create('monthly', {
      sli: { type: 'errors', errors: 'sum(rate(test_requests_errors_total[{{window}}]))', total },
      objective: 99,
      window: { type: 'calendar_month' },
    });
    await create('strict', {
      sli: { type: 'errors', errors: 'sum(rate(test_requests_errors_total[{{window}}]))', total },
      objective: 99.99,
      window: { type: 'rolling', days: 7 },
    });

    await eventually(
      async () => (await prometheus.query('count_over_time(test_requests_total[1m]) >= 3')).length > 0,
      15_000,
      'first samples'
    );
    // Before the incident: 10,000 requests, 10 failed.
    counters.total += 10_000;
    counters.errors += 10;
    await settle();
    beforeIncident = new Date().toISOString();
    incident = await expectStatus(
      await sidecar.call('/api/incidents', {
        method: 'POST',
        json: { title: 'Checkout errors', severity: 'high', services: ['checkout'], startedAt: beforeIncident },
      }),
      201
    );
    await sleep(3000); // samples from before the jump inside the incident's window
    // During the incident: 5,000 requests, 50 failed.
    counters.total += 5_000;
    counters.errors += 50;
    await settle();
    await sleep(2000);
    await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}`, {
        method: 'PATCH',
        json: { version: 1, status: 'resolved' },
      }),
      200
    );
    await sleep(600);
    evaluatedAt = new Date().toISOString();
  }, 90_000);

  afterAll(async () => {
    await sidecar?.close();
    await prometheus?.stop();
    await exporter?.close();
  });

  const status = async (name: string, at = evaluatedAt) =>
    expectStatus(await sidecar.call(`/api/slos/${slos[name]!.id}/status?at=${encodeURIComponent(at)}`), 200);

  it('reports SLI, budget and burn rates equal to the hand-computed values, for both SLI forms', async () => {
    // 60 of 15,000 requests failed: error ratio 0.004; budget 1 % → burn rate 0.4 in every window (all the data
    // is younger than 5 minutes); 40 % of the budget spent, 60 % left of 30 d × 1 % = 432 min → 259.2 min.
    for (const name of ['availability', 'errors']) {
      const s = await status(name);
      expect(s.errorRatio).toBeCloseTo(0.004, 10);
      expect(s.sli).toBeCloseTo(0.996, 10);
      expect(s.errorBudget).toBe(0.01);
      for (const w of ['5m', '1h', '6h', '3d']) expect(s.burnRates[w], w).toBeCloseTo(0.4, 10);
      expect(s.budgetRemaining).toBeCloseTo(0.6, 10);
      expect(s.window).toMatchObject({ seconds: 30 * 86_400, budgetMinutes: 432 });
      expect(s.budgetRemainingMinutes).toBeCloseTo(259.2, 6);
      expect(s.warnings).toEqual([]);
    }
  });

  it('evaluates at a past time: before the incident only 10 of 10,000 had failed', async () => {
    const s = await status('errors', beforeIncident);
    expect(s.errorRatio).toBeCloseTo(0.001, 10);
    expect(s.burnRates['1h']).toBeCloseTo(0.1, 10);
    expect(s.budgetRemaining).toBeCloseTo(0.9, 10);
    expect(s.incidents).toEqual([]); // the incident had not started yet
  });

  it('says how much budget the incident burned: its 50 failures of the 150 the window allows', async () => {
    // Allowed failures over the window: 1 % of 15,000 = 150; the incident's 50 burned 1/3 of the budget, i.e.
    // 144 of 432 minutes. Prometheus extrapolates each rate() to the edges of its range (up to half a scrape
    // interval at each end here): on the ~8 s incident window that may add up to ~1 s / 7 s, on the ~20 s SLO data
    // under 5 %; those are the bounds below.
    const s = await status('errors');
    expect(s.incidents).toHaveLength(1);
    const cost = s.incidents[0];
    expect(cost).toMatchObject({
      id: incident.id,
      reference: expect.stringMatching(/^INC-/),
      resolvedAt: expect.any(String),
    });
    console.log(`incident burned ${cost.budgetBurned.toFixed(4)} of the budget (hand-computed: ${(1 / 3).toFixed(4)})`);
    expect(cost.budgetBurned).toBeGreaterThan(1 / 3 / 1.05);
    expect(cost.budgetBurned).toBeLessThan((1 / 3) * (8 / 7));
    expect(cost.budgetBurnedMinutes).toBeCloseTo(cost.budgetBurned * 432, 6);

    const onIncident = await expectStatus(
      await sidecar.call(`/api/incidents/${incident.id}/slos?at=${encodeURIComponent(evaluatedAt)}`),
      200
    );
    expect(onIncident.items.map((i: { slo: { name: string } }) => i.slo.name)).toEqual([
      'availability',
      'errors',
      'monthly',
      'strict',
    ]);
    const strict = onIncident.items.find((i: { slo: { name: string } }) => i.slo.name === 'strict').cost;
    // 99.99 %: 1.5 failures allowed, so the incident burned ~33 budgets.
    expect(strict.budgetBurned / cost.budgetBurned).toBeCloseTo(100, 6);
  });

  it('counts calendar-month budget in the minutes of this month', async () => {
    const s = await status('monthly');
    const now = new Date();
    const days = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
    expect(s.window.budgetMinutes).toBeCloseTo(days * 1440 * 0.01, 6);
    expect(s.window.start).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString());
    expect(s.errorRatio).toBeCloseTo(0.004, 10);
  });

  it('exports rules that promtool accepts and that Prometheus runs: the strict SLO pages', async () => {
    const res = await sidecar.call('/api/slos/rules');
    expect(res.headers.get('content-type')).toMatch(/^text\/yaml/);
    const yaml = await res.text();
    await writeFile(prometheus.rulesFile, yaml);
    const check = promtoolCheckRules(prometheus.rulesFile);
    expect(check.status, check.output).toBe(0);
    expect(check.output).toMatch(/SUCCESS: \d+ rules found/);

    await prometheus.reload();
    const recorded = await eventually(
      async () => (await prometheus.query(`slo:sli_error:ratio_rate5m{studio_slo_id="${slos.errors!.id}"}`))[0],
      15_000,
      'recording rule'
    );
    expect(Number(recorded.value[1])).toBeCloseTo(0.004, 10);
    expect(recorded.metric).toMatchObject({ service: 'checkout', slo: 'errors' });
    // Burn rate 40 (0.004 / 0.0001) is over every tier: the strict SLO pages and tickets, labelled to route back to
    // intake; the others (burn rate 0.4) stay quiet.
    const firing = await eventually(
      async () => {
        const alerts = (await prometheus.query('ALERTS{alertname="ErrorBudgetBurn",alertstate="firing"}')).map(
          (a) => a.metric
        );
        return alerts.length >= 2 && alerts.sort((a, b) => a.slo_severity!.localeCompare(b.slo_severity!));
      },
      15_000,
      'alerts'
    );
    expect(firing).toEqual([
      expect.objectContaining({
        slo: 'strict',
        severity: 'critical',
        slo_severity: 'page',
        reliability_studio: 'slo',
        service: 'checkout',
        studio_slo_id: slos.strict!.id,
      }),
      expect.objectContaining({
        slo: 'strict',
        severity: 'warning',
        slo_severity: 'ticket',
        reliability_studio: 'slo',
      }),
    ]);
  });
});
