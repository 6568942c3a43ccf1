/**
 * Game day 6: the embedded Postgres's disk fills up. Its data directory is a small tmpfs of its own (mounted
 * for the experiment; we run as root); a file then takes every free byte while writes continue. Expected: clear
 * errors (503 envelopes, never a 500), the sidecar stays up, and once space returns every acknowledged write is
 * readable, and Postgres restarts cleanly on the same data.
 */
import { execFileSync } from 'node:child_process';
import { open, mkdtemp, rm, statfs, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/net.js';
import { check, type Check, type Experiment, type ExperimentContext } from './support/experiment.js';
import { loops, send, tally, type Outcome } from './support/http.js';
import { ADMIN_TOKEN, startChaosSidecar } from './support/stack.js';

export interface DiskFullSettings {
  /** tmpfs size: room for the cluster (~40 MiB) and a few WAL segments. */
  sizeMiB: number;
  fullMs: number;
  writers: number;
}

export const FULL: DiskFullSettings = { sizeMiB: 160, fullMs: 10_000, writers: 4 };
export const SHORT: DiskFullSettings = { sizeMiB: 160, fullMs: 5000, writers: 2 };

const RECOVERY_LIMIT_MS = 30_000;

export const diskFull: Experiment<DiskFullSettings> = {
  name: 'disk-full',
  hypothesis:
    "Embedded Postgres's data dir (a small tmpfs) filled to the last byte under writes: clear 503 envelopes, no 500, the " +
    'sidecar stays up; after space returns every acknowledged write is readable and Postgres restarts cleanly',
  timeLimitMs: (s) => 240_000 + s.fullMs,
  run,
};

/** Writes zeros into `file` until the filesystem refuses (ENOSPC); returns the bytes written. */
async function fill(file: string): Promise<number> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  try {
    for (let size = chunk.length; size >= 512; ) {
      try {
        written += (await handle.write(chunk, 0, size)).bytesWritten;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        size = Math.floor(size / 2); // take the last crumbs too
      }
    }
  } finally {
    await handle.close();
  }
  return written;
}

async function run({ guard, registry, log }: ExperimentContext, settings: DiskFullSettings): Promise<Check[]> {
  // Under the OS temp dir, reachable by the postgres OS user (the embedded server runs as it when we are root).
  const mountPoint = await mkdtemp(path.join(tmpdir(), 'studio-chaos-disk-'));
  registry.defer('remove the mount point', () => rm(mountPoint, { recursive: true, force: true }));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${settings.sizeMiB}m,mode=0755`, 'tmpfs', mountPoint]);
  registry.defer('unmount the tmpfs', async () => void execFileSync('umount', ['-l', mountPoint]));
  const env = { STUDIO_DATA_DIR: mountPoint, EMBEDDED_PG_PORT: String(await freePort()), SHUTDOWN_DRAIN_DELAY_MS: '200' };
  let sidecar = await startChaosSidecar(registry, undefined, env, 'sidecar (embedded Postgres)');
  const free = async () => (await statfs(mountPoint)).bavail * (await statfs(mountPoint)).bsize;
  log(`sidecar up on a ${settings.sizeMiB} MiB tmpfs, ${(await free()) / 2 ** 20} MiB free`);

  const acknowledged: string[] = [];
  const outcomes: Outcome[] = [];
  type Phase = 'before' | 'full' | 'after';
  let phase = 'before' as Phase;
  const phases: Record<Phase, Outcome[]> = { before: [], full: [], after: [] };
  let isRunning = true;
  // 8 KiB descriptions: the WAL grows quickly, as during a busy incident.
  const description = 'x'.repeat(8 * 1024);
  const load = loops(
    settings.writers,
    async (w, n) => {
      const o = await send(`${sidecar.url}/api/incidents`, {
        token: ADMIN_TOKEN,
        json: { title: `disk ${w}-${n}`, severity: 'low', description },
        timeoutMs: 30_000,
      });
      outcomes.push(o);
      phases[phase].push(o);
      if (o.status === 201) acknowledged.push(o.body.id);
    },
    { isRunning: () => isRunning, signal: guard.signal, pauseMs: 20 }
  );
  await guard.sleep(2000);

  const filler = path.join(mountPoint, 'filler');
  phase = 'full';
  const filled = await fill(filler);
  log(`filled: ${(filled / 2 ** 20).toFixed(0)} MiB, ${await free()} bytes left`);
  await guard.sleep(settings.fullMs);
  const liveDuringFull = await send(`${sidecar.url}/health/live`);
  const readyDuringFull = await send(`${sidecar.url}/health/ready`);
  const stayedUp = sidecar.pid !== undefined && (await Promise.race([sidecar.exited.then(() => false), Promise.resolve(true)]));

  await unlink(filler);
  phase = 'after';
  const freedAt = Date.now();
  let recoveredAt: number | undefined;
  while (!recoveredAt && Date.now() - freedAt < RECOVERY_LIMIT_MS) {
    await guard.sleep(100);
    recoveredAt = phases.after.find((o) => o.status === 201)?.at;
  }
  await guard.sleep(1000);
  isRunning = false;
  await guard.race(load);
  log(`writes: before ${tally(phases.before)}; full ${tally(phases.full)}; after ${tally(phases.after)}`);

  const readable = async (url: string) => {
    let n = 0;
    for (const id of acknowledged) if ((await send(`${url}/api/incidents/${id}`, { token: ADMIN_TOKEN })).status === 200) n++;
    return n;
  };
  const readableBefore = await readable(sidecar.url);
  // A clean restart on the same data: SIGTERM (stops the embedded Postgres), then a new sidecar on the folder.
  await sidecar.stop();
  const restartAt = Date.now();
  sidecar = await startChaosSidecar(registry, undefined, env, 'sidecar (restarted)');
  const restartMs = Date.now() - restartAt;
  const readableAfter = await readable(sidecar.url);
  const fullErrors = phases.full.filter((o) => o.status !== 201);
  const unclear = outcomes.filter((o) => o.status >= 500 && o.status !== 503);
  const transport = outcomes.filter((o) => o.status === 0);

  return [
    check(
      'clear errors while full (503, never 500)',
      fullErrors.length > 0 && fullErrors.every((o) => o.status === 503 && o.code !== undefined) && unclear.length === 0 && transport.length === 0,
      `while full: ${tally(phases.full)} (codes ${[...new Set(fullErrors.map((o) => o.code))].join(', ') || 'none'}); other 5xx ${unclear.length}, cut ${transport.length}`
    ),
    check(
      'the sidecar stayed up',
      stayedUp && liveDuringFull.status === 200,
      `/health/live ${liveDuringFull.status}, /health/ready ${readyDuringFull.status} while full`
    ),
    check(
      'writes resume when space returns',
      recoveredAt !== undefined,
      recoveredAt === undefined ? `no 201 within ${RECOVERY_LIMIT_MS / 1000} s` : `first 201 ${((recoveredAt - freedAt) / 1000).toFixed(1)} s after the space returned`
    ),
    check(
      'no acknowledged write lost; clean restart',
      readableBefore === acknowledged.length && readableAfter === acknowledged.length,
      `${acknowledged.length} acknowledged: ${readableBefore} readable after, ${readableAfter} after a restart (ready in ${(restartMs / 1000).toFixed(1)} s)`
    ),
  ];
}
