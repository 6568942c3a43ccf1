/**
 * A recorded incident through the real engine and API, with all three sources: checkout's error burst caused by
 * payments-api timeouts, on top of ordinary background errors, answered as Prometheus 2.42, Loki 2.8 and Tempo 2.0
 * answer (Tempo's searches past their limit return arbitrary subsets). Expected: every planted signal found,
 * dated within 60 s of the burst (never at the background error in the lead), ranked as an engineer would read it
 * (the error ratio among the top three), the failing span named with its service, and the same findings, ranks
 * and scores on ten runs.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorrelationEngine } from '../src/correlation/engine.js';
import { createLokiSource } from '../src/correlation/lokiSource.js';
import { PrometheusSource } from '../src/correlation/prometheusSource.js';
import { createTempoSource } from '../src/correlation/tempoSource.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { createLokiPolicy, LokiClient } from '../src/telemetry/loki.js';
import { createPrometheusPolicy, PrometheusClient } from '../src/telemetry/prometheus.js';
import { createTempoPolicy, TempoClient } from '../src/telemetry/tempo.js';
import { lokiMatrix, lokiStreams, startFixtureServer, type FixtureServer } from './support/fixtureServer.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';
import { SOURCE_TEST_POLICY } from './support/telemetry.js';
import { plantedTraces, tempoStandIn } from './support/tempoStandIn.js';

/** The stand-ins answer from this process, busy with dozens of searches at once: no timeouts here. */
const POLICY = { ...SOURCE_TEST_POLICY, timeoutMs: 10_000 };
const MINUTE = 60_000;
/** "Now" for every run, so the ten runs ask the same questions. */
const NOW = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
const INCIDENT_START = new Date(NOW.getTime() - 20 * MINUTE);
const LEAD_MS = 10 * MINUTE;
/** The payments-api timeouts begin two minutes before the incident was declared. */
const BURST = new Date(INCIDENT_START.getTime() - 2 * MINUTE);
/** Checkout's background errors: one in the window's lead, seven minutes before the burst. */
const STRAYS = [55, 44, 33, 29, 11].map((m) => new Date(NOW.getTime() - m * MINUTE));

const jitter = (k: number, values: number[]) => values[k % values.length]!;

/** Prometheus: checkout's error ratio 0.25 % → 8.4 %, p95 120 ms → 4.9 s (the timeouts), traffic steady. */
function prometheusValue(query: string, t: number, k: number): number {
  const after = t >= BURST.getTime();
  if (query.includes('code=~"5.."'))
    return after ? jitter(k, [0.083, 0.084, 0.085]) : jitter(k, [0.002, 0.0025, 0.003]);
  if (query.startsWith('histogram_quantile'))
    return after ? jitter(k, [4.88, 4.9, 4.92]) : jitter(k, [0.116, 0.12, 0.124]);
  return jitter(k, [19.7, 20, 20.3]);
}

async function startPrometheusStandIn(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(form.get(k)));
      const values: Array<[number, string]> = [];
      for (let t = start!, k = 0; t <= end!; t += step!, k++) {
        values.push([t, String(prometheusValue(form.get('query')!, t * 1000, k))]);
      }
      const result = form.get('query')!.includes('service="checkout"') ? [{ metric: {}, values }] : [];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

/** Loki: a handful of background error lines, then a new pattern every 15 s and ~25 lines per step. */
function lokiAnswer(query: string, start: number, end: number, stepMs: number) {
  if (query.startsWith('sum(count_over_time(')) {
    const points: Array<[Date, number]> = [];
    for (let t = start, k = 0; t <= end; t += stepMs, k++) {
      const v = t >= BURST.getTime() ? 25 + (k % 3) : jitter(k, [1, 0, 2, 1, 0]);
      if (v > 0) points.push([new Date(t), v]); // Loki leaves out the steps without lines
    }
    return lokiMatrix(points);
  }
  const lines: Array<[Date, string]> = [];
  for (let t = Math.ceil(start / (3 * MINUTE)) * 3 * MINUTE; t < end; t += 3 * MINUTE) {
    lines.push([new Date(t), `level=error msg="inventory check failed" sku=${(t / MINUTE) % 977}`]);
  }
  for (let t = BURST.getTime(); t < end; t += 15_000) {
    if (t >= start)
      lines.push([new Date(t), `level=error msg="payments-api timeout after 5000ms" order=${(t / 1000).toString(16)}`]);
  }
  return lokiStreams([{ labels: { service: 'checkout' }, lines }]);
}

const planted = plantedTraces({ from: new Date(NOW.getTime() - 60 * MINUTE), to: NOW, burstAt: BURST, strays: STRAYS });

interface Finding {
  source: string;
  service: string;
  signal: string;
  score: number;
  rank: number;
  summary: string;
  changedAt: string | null;
}

describe('a recorded incident: checkout errors caused by payments-api timeouts, all three sources', () => {
  let prometheus: { url: string; server: Server };
  let loki: FixtureServer;
  let tempo: FixtureServer;
  let sidecar: TestSidecar;
  const runs: Array<{ run: { sources: Record<string, { status: string }> }; findings: Finding[] }> = [];
  let hypotheses: Array<{ statement: string }>;

  beforeAll(async () => {
    prometheus = await startPrometheusStandIn();
    loki = await startFixtureServer();
    tempo = await startFixtureServer();
    loki.route('/loki/api/v1/query_range', (req) => {
      const ms = (name: string) => Number(BigInt(req.query.get(name)!) / 1_000_000n);
      const step = Number((req.query.get('step') ?? '0s').replace('s', '')) * 1000;
      return lokiAnswer(req.query.get('query')!, ms('start'), ms('end'), step);
    });
    tempo.route(/\/api\//, tempoStandIn(planted.traces));
    sidecar = await startSidecar({
      correlation: ({ db }) => {
        const registry = new ResilienceRegistry();
        return new CorrelationEngine({
          db,
          sources: [
            new PrometheusSource({
              client: new PrometheusClient({
                baseUrl: prometheus.url,
                policy: createPrometheusPolicy(POLICY, registry),
              }),
            }),
            createLokiSource(new LokiClient({ baseUrl: loki.url, policy: createLokiPolicy(POLICY, registry) })),
            // Tempo's default limit (20): the error and slow searches all go past it.
            createTempoSource(new TempoClient({ baseUrl: tempo.url, policy: createTempoPolicy(POLICY, registry) }), {
              searchLimit: 20,
            }),
          ],
          budgetMs: 10_000,
          leadMs: LEAD_MS,
          now: () => NOW,
        });
      },
    });
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'checkout' } }), 201);
    const incident = await expectStatus(
      await sidecar.call('/api/incidents', {
        method: 'POST',
        json: {
          title: 'Checkout failing',
          severity: 'critical',
          services: ['checkout'],
          startedAt: INCIDENT_START.toISOString(),
        },
      }),
      201
    );
    for (let i = 0; i < 10; i++) {
      runs.push(
        await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/correlate`, { method: 'POST' }), 200)
      );
    }
    hypotheses = (await expectStatus(await sidecar.call(`/api/incidents/${incident.id}/hypotheses`), 200)).items;
  }, 120_000);

  afterAll(async () => {
    await sidecar?.close();
    await Promise.all([loki?.close(), tempo?.close()]);
    await new Promise((resolve) => prometheus?.server.close(resolve));
  });

  const describeRun = (run: (typeof runs)[number]) =>
    run.findings.map((f) => `${f.rank}. ${f.source} ${f.signal} ${f.score.toFixed(2)}: ${f.summary}`).join('\n');

  it('finds every planted signal, every source ok, ranked as an engineer reads them', () => {
    const [first] = runs;
    expect(first!.run.sources, JSON.stringify(first!.run.sources)).toMatchObject({
      prometheus: { status: 'ok' },
      loki: { status: 'ok' },
      tempo: { status: 'ok' },
    });
    const order = first!.findings.map((f) => `${f.source} ${f.signal}`);
    expect(order, describeRun(first!)).toEqual([
      'prometheus error_ratio',
      'prometheus latency_p95',
      'loki log_pattern',
      'tempo slow_traces',
      'tempo failing_spans',
      'loki error_logs',
      'tempo error_traces',
    ]);
    expect(first!.findings.every((f) => f.service === 'checkout')).toBe(true);
    const spans = first!.findings.find((f) => f.signal === 'failing_spans')!;
    expect(spans.summary).toMatch(/^payments-api POST \/charge failed in \d+ of 10 error traces of checkout read/);
  });

  it('dates every finding within 60 s of the burst, never at the background error in the lead', () => {
    for (const f of runs[0]!.findings) {
      expect(f.changedAt, `${f.signal}: ${f.summary}`).not.toBeNull();
      const offset = Date.parse(f.changedAt!) - BURST.getTime();
      expect(Math.abs(offset), `${f.signal} changed ${offset / 1000} s from the burst`).toBeLessThanOrEqual(60_000);
    }
    // The board's leads say "2 min before the incident", as planted, not the stray error's 9.
    expect(hypotheses.map((h) => h.statement)).toEqual(
      expect.arrayContaining(['Error ratio in checkout rose 2 min before the incident'])
    );
    expect(hypotheses.every((h) => !/\b(9|1\d) min before/.test(h.statement))).toBe(true);
  });

  it('ten runs on the same data: the same findings, ranks and times, scores within 0.05', () => {
    const shape = (run: (typeof runs)[number]) =>
      run.findings.map((f) => ({
        source: f.source,
        signal: f.signal,
        rank: f.rank,
        summary: f.summary,
        changedAt: f.changedAt,
      }));
    for (const run of runs.slice(1)) {
      expect(shape(run)).toEqual(shape(runs[0]!));
      run.findings.forEach((f, i) => expect(Math.abs(f.score - runs[0]!.findings[i]!.score)).toBeLessThanOrEqual(0.05));
    }
  });
});
