/**
 * A real Prometheus holding the demo's traffic (demo/workload.ts), so the demo incident's Prometheus evidence is
 * computed by the correlation engine rather than canned: the hours before now are backfilled with promtool, and an
 * exporter in this process continues the same series live (scraped every 15 s). Used by `npm run start:prometheus`
 * (scripts/start.ts) and its test; needs Debian's `prometheus` package (prometheus and promtool).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exposition, openMetricsBetween } from './workload.js';

export interface DemoPrometheusOptions {
  port: number;
  prometheusBin?: string;
  promtoolBin?: string;
}

export interface DemoPrometheus {
  url: string;
  /**
   * Plants the demo traffic for an incident that started at `incidentStartMs`: the exporter starts answering, the
   * hours before now are backfilled, and this resolves once Prometheus serves them (it loads new blocks within a
   * minute).
   */
  plant(incidentStartMs: number): Promise<void>;
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const STEP_MS = 15_000;
// The correlation's baseline (up to CORRELATION_BASELINE_MAX) and lead sit before the incident: three hours cover them.
const BEFORE_INCIDENT_MS = 3 * HOUR_MS;
// promtool writes a few MB per day of this workload; an older demo incident is better re-seeded than backfilled.
const MAX_BACKFILL_MS = 8 * 24 * HOUR_MS;
const LOAD_TIMEOUT_MS = 120_000;

/**
 * Starts Prometheus (empty, scraping the demo exporter) before the sidecar that will query it: a sidecar started
 * against a Prometheus that is not up yet opens its breaker on the first correlation and refuses the next ones
 * for a while. The traffic is planted once the demo incident's start is known (plant).
 */
export async function startDemoPrometheus(options: DemoPrometheusOptions): Promise<DemoPrometheus> {
  const prometheusBin = options.prometheusBin ?? '/usr/bin/prometheus';
  const promtoolBin = options.promtoolBin ?? '/usr/bin/promtool';
  const dir = await mkdtemp(path.join(tmpdir(), 'studio-demo-prometheus-'));
  const cleanUp: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of cleanUp.reverse()) await step().catch(() => undefined);
  };
  try {
    const exporter = await serveExposition();
    cleanUp.push(() => new Promise<void>((resolve) => exporter.server.close(() => resolve())));
    const { port: exporterPort } = exporter.server.address() as { port: number };
    const config = [
      'global:',
      '  scrape_interval: 15s',
      'scrape_configs:',
      '  - job_name: demo-workload',
      // The series carry their own job and instance, the same in the backfilled blocks.
      '    honor_labels: true',
      `    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]`,
    ].join('\n');
    await writeFile(path.join(dir, 'prometheus.yml'), config);
    const data = path.join(dir, 'data');
    const url = `http://127.0.0.1:${options.port}`;
    const child = spawn(
      prometheusBin,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${options.port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    );
    cleanUp.push(() => stopProcess(child));
    await waitForReady(url, child);

    const plant = async (incidentStartMs: number) => {
      const from = incidentStartMs - BEFORE_INCIDENT_MS;
      const until = Date.now();
      if (until - from > MAX_BACKFILL_MS) {
        throw new Error(
          'the demo incident started more than a week ago: remove the data folder (.data) to seed a fresh demo'
        );
      }
      // From here on the exporter answers; the backfill ends before its first scrape, so the two never overlap.
      exporter.setIncidentStart(incidentStartMs);
      const backfill = path.join(dir, 'backfill.om.txt');
      await writeFile(backfill, openMetricsBetween(from, until - 1000, STEP_MS, incidentStartMs));
      const blocks = path.join(dir, 'blocks');
      const created = spawnSync(promtoolBin, ['tsdb', 'create-blocks-from', 'openmetrics', backfill, blocks], {
        encoding: 'utf8',
      });
      if (created.status !== 0)
        throw new Error(`promtool could not backfill the demo workload: ${created.stderr || created.error}`);
      // Blocks moved into the data folder are loaded by Prometheus's next block reload (once a minute).
      for (const block of await readdir(blocks)) await rename(path.join(blocks, block), path.join(data, block));
      await waitForSample(url, from + HOUR_MS);
    };
    return { url, plant, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The live exporter: no series until the incident's start is known (Prometheus records the scrape as failed). */
async function serveExposition(): Promise<{ server: Server; setIncidentStart(ms: number): void }> {
  let incidentStartMs: number | undefined;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    if (incidentStartMs === undefined) return void res.writeHead(503).end('the demo incident is not known yet');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(Date.now(), incidentStartMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, setIncidentStart: (ms) => (incidentStartMs = ms) };
}

/** Resolves once Prometheus has a sample of the workload at `atMs` (the backfilled blocks are loaded). */
async function waitForSample(url: string, atMs: number): Promise<void> {
  const query = new URLSearchParams({ query: 'http_requests_total{job="demo-workload"}', time: String(atMs / 1000) });
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  for (;;) {
    const body = await fetch(`${url}/api/v1/query?${query}`).then(
      (r) => r.json() as Promise<{ data?: { result?: unknown[] } }>,
      () => undefined
    );
    if ((body?.data?.result?.length ?? 0) > 0) return;
    if (Date.now() > deadline)
      throw new Error(`Prometheus did not load the backfilled demo traffic within ${LOAD_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
async function waitForReady(url: string, child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
    if (
      await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`prometheus was not ready within 30 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
