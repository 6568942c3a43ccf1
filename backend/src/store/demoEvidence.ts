import { exploreUrl } from '../correlation/explore.js';
import type { FindingData, FindingSignal } from '../correlation/findings.js';
import type { Actor } from '../domain/actor.js';
import type { Sql } from './db.js';
import { insertTimelineEvent } from './timeline.js';

const ENGINE: Actor = { name: 'correlation', source: 'system' };

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
 * Loki or Tempo. Written the way the engine writes them: rows, then a `correlation_found` and a `hypothesis_added`
 * timeline entry (each with its live event).
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

  const sources = {
    prometheus: { status: 'ok', message: null, durationMs: 212, findings: 1 },
    loki: { status: 'ok', message: null, durationMs: 486, findings: 1 },
    tempo: {
      status: 'degraded',
      message: 'Tempo answered 1 of 2 searches: the slow-trace search timed out after 5 s',
      durationMs: 5004,
      findings: 1,
    },
    change: { status: 'ok', message: null, durationMs: 4, findings: 1 },
  };

  await sql.begin(async (tx) => {
    const [run] = await tx<{ id: string }[]>`
      insert into correlation_runs (incident_id, trigger, started_at, finished_at, window_start, window_end,
                                    baseline_start, baseline_end, sources)
      values (${incident.id}, 'created', ${new Date(now - 6000)}, ${new Date(now - 1000)}, ${window.start},
              ${window.end}, ${baseline.start}, ${baseline.end}, ${tx.json(sources)})
      returning id`;
    const stored = [];
    for (const [i, f] of findings.entries()) {
      const [row] = await tx<{ id: string; computedAt: Date }[]>`
        insert into correlations (run_id, incident_id, source, service, signal, score, rank, summary, query,
                                  window_start, window_end, baseline_start, baseline_end, changed_at, explore_url, data)
        values (${run!.id}, ${incident.id}, ${f.source}, ${f.service}, ${f.signal}, ${f.score}, ${i + 1},
                ${f.summary}, ${f.query}, ${window.start}, ${window.end}, ${baseline.start}, ${baseline.end},
                ${f.changedAt}, ${f.exploreUrl}, ${tx.json(f.data as never)})
        returning id, computed_at`;
      stored.push({
        id: row!.id,
        incidentId: incident.id,
        runId: run!.id,
        source: f.source,
        service: f.service,
        signal: f.signal,
        score: f.score,
        rank: i + 1,
        summary: f.summary,
        query: f.query,
        window: { start: window.start.toISOString(), end: window.end.toISOString() },
        baseline: { start: baseline.start.toISOString(), end: baseline.end.toISOString() },
        changedAt: f.changedAt?.toISOString() ?? null,
        exploreUrl: f.exploreUrl,
        data: f.data,
        computedAt: row!.computedAt.toISOString(),
      });
    }
    await insertTimelineEvent(tx, incident.id, ENGINE, {
      type: 'correlation_found',
      message: `Correlation found ${stored.length} signals; Tempo degraded`,
      data: { runId: run!.id, findings: stored.length, top: stored.slice(0, 3), sources },
    });

    const statement =
      'The checkout v2.14.0 deploy broke payment calls: error logs and failing payments-api spans began right after it';
    const evidence = stored.slice(0, 3).map((f) => ({ findingId: f.id, label: f.summary }));
    const [hypothesis] = await tx<Record<string, unknown>[]>`
      insert into hypotheses (incident_id, statement, evidence, origin, created_by)
      values (${incident.id}, ${statement}, ${tx.json(evidence)}, 'suggested', ${ENGINE.name})
      returning id, incident_id, statement, status, owner, evidence, origin, created_by, created_at, updated_at,
                decided_by, decided_at, decision_note, version`;
    await insertTimelineEvent(tx, incident.id, ENGINE, {
      type: 'hypothesis_added',
      message: `Suggested hypothesis: ${statement}`,
      data: { hypothesis },
    });
  });
}
