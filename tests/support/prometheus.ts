/**
 * A real Prometheus (Debian's /usr/bin/prometheus, or PROMETHEUS_BIN) scraping a tiny exporter, for browser tests
 * that need live SLO figures. The exporter serves counters that grow on every scrape.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './sidecar';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts an exporter whose `render(scrape)` text is served at /metrics, and a Prometheus scraping it every 500 ms.
 */
export async function startPrometheusWith(render: (scrape: number) => string): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(`${PROMETHEUS_BIN} is missing: apt-get install -y prometheus`);
  }
  let scrapes = 0;
  const exporter = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(render(++scrapes));
  });
  await new Promise<void>((ok) => exporter.listen(0, '127.0.0.1', ok));
  const target = `127.0.0.1:${(exporter.address() as { port: number }).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'studio-e2e-prometheus-'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 500ms',
      '  scrape_timeout: 500ms',
      'scrape_configs:',
      '  - job_name: exporter',
      `    static_configs: [{ targets: ["${target}"] }]`,
    ].join('\n')
  );
  const port = await freePort();
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' }
  );
  const exited = new Promise<void>((ok) => child.on('exit', () => ok()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    exporter.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ;) {
    if ((await fetch(`${url}/-/ready`).catch(() => undefined))?.ok) {
      break;
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error('prometheus did not become ready');
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return { url, stop };
}
