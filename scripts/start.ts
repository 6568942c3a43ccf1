/**
 * `npm start`: the sidecar on its embedded PostgreSQL with demo data, plus the built plugin in the host page,
 * wired to each other the way Grafana provisioning would wire them. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEV_ADMIN_TOKEN } from '../backend/src/config';
import { startHost } from '../host/server';

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

async function main() {
  // One process (no tsx wrapper), so Ctrl-C and SIGTERM reach the sidecar exactly once.
  const sidecar = spawn(process.execPath, ['--import', 'tsx', 'backend/src/main.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      STUDIO_DEMO_DATA: 'true',
      // Without Prometheus, Loki and Tempo a periodic refresh would replace the demo's correlation run with one that
      // found nothing; set PROMETHEUS_URL and CORRELATION_REFRESH_MS to correlate for real.
      ...(process.env.PROMETHEUS_URL ? {} : { CORRELATION_REFRESH_MS: '0' }),
      // The host page's origin may open the live feed (the sidecar refuses browser origins it was not told of).
      LIVE_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort},http://localhost:${hostPort}`,
      ...process.env,
      PORT: String(sidecarPort),
      STUDIO_ADMIN_TOKEN: token,
    },
  });
  let isSidecarAlive = true;
  sidecar.on('exit', (code) => {
    isSidecarAlive = false;
    console.error(`[start] sidecar exited (${code})`);
    process.exit(code ?? 1);
  });
  await waitForReady(sidecarUrl, () => isSidecarAlive);

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
    data                ${join(ROOT, '.data')}
  Ctrl-C stops everything.
`);

  const stop = async () => {
    sidecar.removeAllListeners('exit');
    await host.close();
    sidecar.once('exit', () => process.exit(0));
    sidecar.kill('SIGTERM');
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
