import { exploreUrl } from '../correlation/explore.js';
import type { FindingData, FindingSignal } from '../correlation/findings.js';
import type { Sql } from './db.js';
import { loadPreviousState, saveRun, type SourceRun } from './correlations.js';

/** The datasource uids provisioning gives Prometheus, Loki and Tempo (provisioning/datasources). */
const UIDS = { prometheus: 'prometheus', loki: 'loki', tempo: 'tempo' } as const;

interface DemoFinding {
  source: 'prometheus' | 'loki' | 'tempo' | 'change';
  service: string;
  signal: FindingSignal;
  score: number;
  summary: string;
  query: string;
  changedAt: Date | null;
  exploreUrl: string | null;
  data: FindingData;
}

const MINUTE = 60_000;

/** How the demo's canned run introduces itself. */
export const SAMPLE_NOTE =
  'sample evidence of the demo, not computed: set PROMETHEUS_URL, LOKI_URL and TEMPO_URL to correlate for real';

/** An error ratio that sits near 0.3 % and jumps to ~6 % at `jumpAt`, one point a minute, with a gap. */
function errorRatioSeries(from: number, to: number, jumpAt: number): Array<{ t: number; v: number | null }> {
  const points: Array<{ t: number; v: number | null }> = [];
  for (let t = from, i = 0; t <= to; t += MINUTE, i++) {
    const wobble = ((i * 37) % 11) / 11000;
    const v = t < jumpAt ? 0.003 + wobble : 0.058 + ((i * 13) % 7) / 1000;
    points.push({ t, v: i === 20 ? null : Number(v.toFixed(4)) });
  }
  return points;
}

/**
 * A finished correlation run with believable findings for one incident (the checkout one of the demo), and the
 * hypothesis the engine would suggest from them, so `npm start` shows a populated war room without Prometheus,
 * Loki or Tempo. Stored through the engine's own saveRun, so the rows, the `correlation_found` and
 * `hypothesis_added` timeline entries and the live events are exactly what a real run leaves.
 */
export async function seedDemoEvidence(sql: Sql, incident: { id: string; startedAt: Date }): Promise<void> {
  const start = incident.startedAt.getTime();
  const now = Date.now();
  const window = { start: new Date(start - 10 * MINUTE), end: new Date(now) };
  const baseline = { start: new Date(start - 70 * MINUTE), end: new Date(start - 10 * MINUTE) };
  const deployAt = new Date(start - 3 * MINUTE);
  const selector = 'service="checkout"';
  const promql = `sum(rate(http_requests_total{${selector},code=~"5.."}[5m])) / sum(rate(http_requests_total{${selector}}[5m]))`;
  const logql = `{${selector}} |= "error" | json | level="error"`;
  const traceql = '{ resource.service.name = "checkout" && status = error }';

  const findings: DemoFinding[] = [
    {
      source: 'prometheus',
      service: 'checkout',
      signal: 'error_ratio',
      score: 0.94,
      summary: 'checkout error ratio rose from 0.3 % to 6.1 % (20× its baseline)',
      query: promql,
      changedAt: new Date(start - 2 * MINUTE),
      exploreUrl: exploreUrl(UIDS.prometheus, { kind: 'promql', expr: promql }, window),
      data: {
        unit: 'ratio',
        baselineValue: 0.003,
        currentValue: 0.061,
        series: errorRatioSeries(baseline.start.getTime(), now, start - 2 * MINUTE),
      },
    },
    {
      source: 'loki',
      service: 'checkout',
      signal: 'log_pattern',
      score: 0.81,
      summary: 'New error log pattern in checkout: payment provider timeout (412 lines, none before)',
      query: logql,
      changedAt: new Date(start - MINUTE),
      exploreUrl: exploreUrl(UIDS.loki, { kind: 'logql', expr: logql }, window),
      data: {
        unit: 'lines',
        pattern: 'POST /orders failed: payments-api timeout after <num>ms (order=<id>)',
        count: 412,
        baselineCount: 0,
        samples: [0, 1, 2].map((i) => ({
          at: new Date(start + i * 47_000).toISOString(),
          line: `level=error msg="POST /orders failed: payments-api timeout after 5000ms" order=ord_${8812 + i * 7} trace_id=4bf92f3577b34da6a3ce929d0e0e${4736 + i}`,
          labels: { service: 'checkout', level: 'error' },
        })),
      },
    },
    {
      source: 'change',
      service: 'checkout',
      signal: 'change',
      score: 0.72,
      summary: 'Deploy of checkout v2.14.0 three minutes before the incident started',
      query: '',
      changedAt: deployAt,
      exploreUrl: null,
      data: {
        change: {
          id: '00000000-0000-4000-8000-00000000d3b1',
          service: 'checkout',
          kind: 'deploy',
          summary: 'checkout v2.14.0',
          description: 'Switch payment calls to the new payments-api client',
          author: 'ci',
          url: null,
          labels: { version: 'v2.14.0' },
          at: deployAt.toISOString(),
          createdAt: deployAt.toISOString(),
        },
      },
    },
    {
      source: 'tempo',
      service: 'checkout',
      signal: 'error_traces',
      score: 0.66,
      summary: '38 error traces in checkout; most fail in payments-api POST /charge',
      query: traceql,
      changedAt: new Date(start - MINUTE),
      exploreUrl: exploreUrl(UIDS.tempo, { kind: 'traceql', query: traceql }, window),
      data: {
        traces: [0, 1, 2].map((i) => ({
          traceId: `4bf92f3577b34da6a3ce929d0e0e${4736 + i}`,
          rootService: 'checkout',
          rootName: 'POST /orders',
          startedAt: new Date(start + i * 47_000).toISOString(),
          durationMs: 5012 + i * 31,
          error: true,
        })),
        spans: [
          { service: 'payments-api', name: 'POST /charge', errors: 36, total: 41 },
          { service: 'checkout', name: 'db.query orders', errors: 2, total: 118 },
        ],
      },
    },
  ];

  // Said on every finding and source, so nobody takes the canned demo for evidence computed from their stack.
  const sources: Record<DemoFinding['source'], SourceRun> = {
    prometheus: { status: 'ok', message: SAMPLE_NOTE, durationMs: 212, findings: 1 },
    loki: { status: 'ok', message: SAMPLE_NOTE, durationMs: 486, findings: 1 },
    tempo: {
      status: 'degraded',
      message: `${SAMPLE_NOTE}; as if Tempo had answered 1 of 2 searches (the other timed out after 5 s)`,
      durationMs: 5004,
      findings: 1,
    },
    change: { status: 'ok', message: SAMPLE_NOTE, durationMs: 4, findings: 1 },
  };

  await saveRun(
    sql,
    {
      incidentId: incident.id,
      trigger: 'created',
      startedAt: new Date(now - 6000),
      finishedAt: new Date(now - 1000),
      window,
      baseline,
      sources,
      findings: findings.map((f) => ({ ...f, summary: `Sample: ${f.summary}`, window, baseline })),
    },
    await loadPreviousState(sql, incident.id),
    // What the engine would suggest from these: the deploy, backed by the log pattern right after it.
    () => [
      {
        statement:
          'Sample: the checkout v2.14.0 deploy broke payment calls: the new error log pattern began a minute after it',
        findingRank: 3,
        label: 'change: deploy in checkout (checkout v2.14.0)',
      },
    ]
  );
}
