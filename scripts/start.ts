/**
 * `npm start`: the sidecar on its embedded PostgreSQL with demo data, plus the built plugin in the host page,
 * wired to each other the way Grafana provisioning would wire them. Ctrl-C stops both.
 *
 * `npm run start:prometheus` (`--prometheus`) also runs Debian's Prometheus holding the demo traffic
 * (backend/src/demo/), so the demo incident's Prometheus evidence is computed by the correlation engine instead of
 * the canned sample.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEV_ADMIN_TOKEN } from '../backend/src/config';
import { startDemoPrometheus, type DemoPrometheus } from '../backend/src/demo/prometheus';
import { startHost } from '../host/server';

const withPrometheus = process.argv.includes('--prometheus');
/** The sidecar and the demo Prometheus (when asked for): stopped on every way out, as children outlive us. */
let sidecar: ChildProcess | undefined;
let prometheus: DemoPrometheus | undefined;

const ROOT = join(__dirname, '..');
const sidecarPort = Number(process.env.PORT ?? 9000);
const hostPort = Number(process.env.HOST_PORT ?? 3000);
const token = process.env.STUDIO_ADMIN_TOKEN ?? DEV_ADMIN_TOKEN;
const sidecarUrl = `http://localhost:${sidecarPort}`;

async function waitForReady(url: string, isAlive: () => boolean): Promise<void> {
  for (let waited = 0; waited < 60_000 && isAlive(); waited += 250) {
    if ((await fetch(`${url}/health/ready`).catch(() => undefined))?.ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the sidecar did not become ready at ${url}; see its output above`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The demo incident's id and start, found through the sidecar's API. */
async function demoIncident(): Promise<{ id: string; startedAt: string }> {
  const res = await fetch(`${sidecarUrl}/api/incidents?q=${encodeURIComponent('Checkout error rate above 5%')}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { items?: Array<{ id: string; startedAt: string }> };
  const incident = body.items?.[0];
  if (!incident) {
    throw new Error('the demo incident is not in the database (STUDIO_DEMO_DATA seeds only an empty catalog)');
  }
  return incident;
}

async function main() {
  if (withPrometheus && process.env.PROMETHEUS_URL) {
    throw new Error('--prometheus runs its own Prometheus: unset PROMETHEUS_URL, or drop --prometheus to use yours');
  }
  // Up before the sidecar, whose first correlations would otherwise find it down and open its breaker.
  prometheus = withPrometheus ? await startDemoPrometheus({ port: await freePort() }) : undefined;
  // One process (no tsx wrapper), so Ctrl-C and SIGTERM reach the sidecar exactly once.
  const child = spawn(process.execPath, ['--import', 'tsx', 'backend/src/main.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      STUDIO_DEMO_DATA: 'true',
      // Without Prometheus, Loki and Tempo a periodic refresh would replace the demo's correlation run with one that
      // found nothing; set PROMETHEUS_URL and CORRELATION_REFRESH_MS to correlate for real.
      ...(process.env.PROMETHEUS_URL || withPrometheus ? {} : { CORRELATION_REFRESH_MS: '0' }),
      ...(prometheus ? { PROMETHEUS_URL: prometheus.url } : {}),
      // The host page's origin may open the live feed (the sidecar refuses browser origins it was not told of).
      LIVE_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort},http://localhost:${hostPort}`,
      ...process.env,
      PORT: String(sidecarPort),
      STUDIO_ADMIN_TOKEN: token,
    },
  });
  sidecar = child;
  let isSidecarAlive = true;
  child.on('exit', (code) => {
    isSidecarAlive = false;
    console.error(`[start] sidecar exited (${code})`);
    void (prometheus?.stop() ?? Promise.resolve()).finally(() => process.exit(code ?? 1));
  });
  await waitForReady(sidecarUrl, () => isSidecarAlive);

  if (prometheus) {
    const incident = await demoIncident();
    console.log('[start] planting the demo traffic in Prometheus (it loads the backfill within a minute)…');
    await prometheus.plant(Date.parse(incident.startedAt));
    // Replace the canned sample now rather than at the next refresh.
    await fetch(`${sidecarUrl}/api/incidents/${incident.id}/correlate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  }

  const host = await startHost({
    port: hostPort,
    env: { ...process.env, SIDECAR_URL: sidecarUrl, STUDIO_ADMIN_TOKEN: token },
  });
  console.log(`
  Reliability Studio is running
    plugin (host page)  ${host.url}/a/reliability-studio-app/incidents
    app configuration   ${host.url}/plugins/reliability-studio-app
    sidecar API         ${sidecarUrl}/api  (token: ${token === DEV_ADMIN_TOKEN ? 'the development token' : 'STUDIO_ADMIN_TOKEN'})
    API description     ${sidecarUrl}/api/openapi.json
    data                ${join(ROOT, '.data')}${prometheus ? `\n    Prometheus (demo)   ${prometheus.url}` : ''}
  Ctrl-C stops everything.
`);

  const stop = async () => {
    child.removeAllListeners('exit');
    await host.close();
    await prometheus?.stop();
    child.once('exit', () => process.exit(0));
    child.kill('SIGTERM');
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch(async (err) => {
  console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
  sidecar?.removeAllListeners('exit');
  sidecar?.kill('SIGTERM');
  await prometheus?.stop();
  process.exit(1);
});
