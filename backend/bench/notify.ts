/**
 * `notify`: from alert intake to a webhook receiver's receipt. Two real sidecars (src/main.ts) on one database, as
 * replicas run: one takes the alerts (its worker off), the other sends, woken by the delivery's notification. Every
 * alert is a firing critical one in a new group, so it opens an incident (promotion) whose `declared` is one signed
 * POST to a local receiver that checks the signature and counts idempotency keys.
 *
 * - Steady: 100 new incidents/s (BENCH_NOTIFY_RATE), open loop, for BENCH_DURATION_S after BENCH_WARMUP_S: p50/p99
 *   from sending the alert to the receipt, notifications/s, none lost.
 * - Throughput: a backlog of BENCH_NOTIFY_BACKLOG deliveries queued while the sending replica is stopped, drained
 *   by a fresh one: notifications/s from its first receipt to its last.
 * - Baseline, same run, same receiver: the real webhook sender in a bare loop at full speed (the issue's baseline),
 *   before and after the drain; also as many loops as the worker may send at once to one channel
 *   (NOTIFY_CHANNEL_CONCURRENCY), reported beside it.
 * - Where the two cores went during the drain: CPU ms per 1,000 deliveries of the sending replica, Postgres and this
 *   process (the receiver).
 *
 * Targets: throughput at least 50 % of the baseline's, p99 under 2 s at 100 new incidents/s, nothing lost.
 */
import { loadavg } from 'node:os';
import { webhookSender } from '../src/notify/channels/webhook.js';
import type { NotificationMessage } from '../src/domain/notifications.js';
import { createSql } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createApiToken } from '../src/store/tokens.js';
import { startSidecarProcess, type SidecarProcess } from '../test/support/sidecarProcess.js';
import { startSignedReceiver, type Receipt, type SignedReceiver } from '../test/support/signedReceiver.js';
import type { BenchContext } from './run.js';
import { alertPoster, BENCH_SIDECAR_ENV, envInt, paced, quantile, sleep, type Sent } from './support/alerts.js';
import { cpuSpent, sampleCpu } from './support/cpu.js';
import { loadSettings } from './support/load.js';

const THROUGHPUT_TARGET = 0.5;
const P99_TARGET_MS = 2000;
const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
// The sidecar's default NOTIFY_CHANNEL_CONCURRENCY unless BENCH_NOTIFY_CHANNEL_CONCURRENCY says otherwise.
const CHANNEL_CONCURRENCY = Number(process.env.BENCH_NOTIFY_CHANNEL_CONCURRENCY ?? 2);
const ENV: Record<string, string> = { ...BENCH_SIDECAR_ENV, NOTIFY_CHANNEL_CONCURRENCY: String(CHANNEL_CONCURRENCY) };

/** Waits until every one of `incidents` has a receipt, or `timeoutMs` passed; returns their receipts. */
async function receiptsOf(
  receiver: SignedReceiver,
  incidents: Set<string>,
  timeoutMs: number
): Promise<Map<string, Receipt>> {
  const found = new Map<string, Receipt>();
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    for (const r of receiver.receipts.values()) if (incidents.has(r.incidentId)) found.set(r.incidentId, r);
    if (found.size === incidents.size || performance.now() > deadline) return found;
    await sleep(50);
  }
}

/** The real webhook sender in `loops` bare loops, `count` sends in all, to the receiver; returns sends/s. */
async function baseline(receiver: SignedReceiver, count: number, loops: number, tag: string) {
  const target = {
    id: 'bench',
    kind: 'webhook' as const,
    name: 'bench',
    settings: {},
    secrets: { url: `${receiver.origin}/hooks/bench`, signingSecret: SIGNING_SECRET },
  };
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (next < count) {
        const n = next++;
        await webhookSender.send(
          target,
          { ...SAMPLE_MESSAGE, idempotencyKey: `baseline-${tag}-${n}` },
          { signal: AbortSignal.timeout(10_000), now: new Date() }
        );
      }
    })
  );
  return count / ((performance.now() - start) / 1000);
}

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  const { durationS, warmupS } = loadSettings({ durationS: 20, warmupS: 5 });
  const rate = envInt('BENCH_NOTIFY_RATE', 100);
  const backlog = envInt('BENCH_NOTIFY_BACKLOG', 1000);
  const sql = createSql({ url: database.url, poolMax: 2, statementTimeoutMs: 30_000 });
  await migrate(sql);
  const { token } = await createApiToken(sql, 'bench-alertmanager', 'integration');
  const receiver = await startSignedReceiver(SIGNING_SECRET);
  const sidecars: SidecarProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const s = await startSidecarProcess(database.url, ADMIN_TOKEN, { ...ENV, ...env }, { readyTimeoutMs: 60_000 });
    sidecars.push(s);
    return s;
  };
  report(
    `  ${rate} new incidents/s for ${durationS} s after ${warmupS} s of warm-up; a backlog of ${backlog}; ` +
      `baseline: the webhook sender in one bare loop, and in ${CHANNEL_CONCURRENCY} (load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`
  );
  try {
    const api = await start({ NOTIFY_WORKER: 'false' });
    let sender = await start({});
    const call = async (path: string, json: unknown) => {
      const res = await fetch(api.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ id: string }>;
    };
    const channel = await call('/api/channels', {
      kind: 'webhook',
      name: 'bench',
      secrets: { url: `${receiver.origin}/hooks/studio`, signingSecret: SIGNING_SECRET },
    });
    await call('/api/notification-rules', {
      name: 'every declaration',
      events: ['declared'],
      channelIds: [channel.id],
    });
    const alerts = alertPoster(api.url, token, 'notify', { alertname: 'BenchNotify' });

    // Steady.
    let n = 0;
    const warm = await paced(alerts.post, rate, rate * warmupS, n);
    n += rate * warmupS;
    await receiptsOf(receiver, new Set(warm.sentAt.keys()), 10_000);
    const steady = await paced(alerts.post, rate, rate * durationS, n);
    n += rate * durationS;
    const steadyReceipts = await receiptsOf(receiver, new Set(steady.sentAt.keys()), 15_000);
    const latencies = [...steadyReceipts].map(([id, r]) => r.at - steady.sentAt.get(id)!);
    // Not arrived within the wait: late, and lost unless its record says delivered by the end.
    const steadyLate = steady.sentAt.size - steadyReceipts.size;
    const firstSent = Math.min(...steady.sentAt.values());
    const lastReceived = Math.max(...[...steadyReceipts.values()].map((r) => r.at));
    const steadyRate = steadyReceipts.size / ((lastReceived - firstSent) / 1000);

    // Baseline, then the drain of a backlog, then the baseline again.
    const baselineBefore = await baseline(receiver, backlog, 1, 'before');
    const loopsBefore = await baseline(receiver, backlog, CHANNEL_CONCURRENCY, 'loops-before');
    await sender.stop();
    sidecars.splice(sidecars.indexOf(sender), 1);
    const queued: Sent = { sentAt: new Map(), intakeMs: [], failures: [] };
    for (let i = 0; i < backlog; i += 50) {
      const batch = await paced(alerts.post, 1000, Math.min(50, backlog - i), n);
      n += 50;
      for (const [id, at] of batch.sentAt) queued.sentAt.set(id, at);
      queued.failures.push(...batch.failures);
    }
    sender = await start({});
    const cpuBefore = sampleCpu(sender.pid);
    const drained = await receiptsOf(receiver, new Set(queued.sentAt.keys()), 120_000);
    const cpu = cpuSpent(cpuBefore, sampleCpu(sender.pid));
    const times = [...drained.values()].map((r) => r.at).sort((a, b) => a - b);
    const drainRate = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
    const drainLost = queued.sentAt.size - drained.size;
    const baselineAfter = await baseline(receiver, backlog, 1, 'after');
    const loopsAfter = await baseline(receiver, backlog, CHANNEL_CONCURRENCY, 'loops-after');
    alerts.close();

    const baselineRate = (baselineBefore + baselineAfter) / 2;
    const ratio = drainRate / baselineRate;
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    const repeats = [...receiver.receipts.values()].reduce((k, r) => k + r.repeats, 0);
    const [records] = await sql<{ delivered: number; other: number }[]>`
      select count(*) filter (where state = 'delivered')::int as delivered, count(*) filter (where state <> 'delivered')::int as other
      from deliveries`;
    const failures = [...warm.failures, ...steady.failures, ...queued.failures];
    report(
      `  steady     ${steadyReceipts.size} of ${steady.sentAt.size} incidents notified within 15 s of the last alert (${steadyLate} later), ${steadyRate.toFixed(0)} notifications/s; ` +
        `alert → receipt p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms ` +
        `(intake answer p99 ${quantile(steady.intakeMs, 0.99).toFixed(0)} ms)`
    );
    report(
      `  drain      ${drained.size} of ${queued.sentAt.size} queued deliveries (lost ${drainLost}) at ${drainRate.toFixed(0)} notifications/s`
    );
    const perThousand = (seconds: number) => ((seconds * 1000 * 1000) / drained.size).toFixed(0);
    report(
      `  drain CPU  ms per 1,000 deliveries: sending replica ${perThousand(cpu.sidecar)}, Postgres ${perThousand(cpu.postgres)}, ` +
        `receiver (this process) ${perThousand(cpu.generator)}`
    );
    report(
      `  baseline   ${baselineBefore.toFixed(0)} and ${baselineAfter.toFixed(0)} signed POSTs/s in one bare loop (before and after the drain); ` +
        `${loopsBefore.toFixed(0)} and ${loopsAfter.toFixed(0)} in ${CHANNEL_CONCURRENCY} loops (${((drainRate / ((loopsBefore + loopsAfter) / 2)) * 100).toFixed(1)} % of that)`
    );
    report(
      `  records    ${records!.delivered} delivered, ${records!.other} not; receiver: ${receiver.receipts.size} keys, ${repeats} repeats, ` +
        `${receiver.invalid} bad signatures; ${failures.length} intake failures${failures.length ? ` (${failures.slice(0, 3).join('; ')})` : ''}`
    );
    const lost = drainLost + failures.length + records!.other + receiver.invalid;
    const ok = ratio >= THROUGHPUT_TARGET && p99 < P99_TARGET_MS && steadyLate === 0 && lost === 0;
    report(
      `  drain / baseline = ${(ratio * 100).toFixed(1)} % (${ratio >= THROUGHPUT_TARGET ? 'meets' : 'MISSES'} the ${THROUGHPUT_TARGET * 100} % target); ` +
        `p99 ${p99.toFixed(0)} ms (${p99 < P99_TARGET_MS ? 'meets' : 'MISSES'} the ${P99_TARGET_MS} ms target); lost ${lost} (load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')})`
    );
    return { ok };
  } finally {
    for (const s of sidecars) await s.stop();
    await receiver.close();
    await sql.end({ timeout: 1 });
  }
}

/** The baseline's message: the shape and size the worker sends, with a fixed incident. */
const SAMPLE_MESSAGE: NotificationMessage = {
  event: 'declared',
  idempotencyKey: '',
  occurredAt: '2026-01-10T10:00:00.000Z',
  incident: {
    id: '00000000-0000-4000-8000-000000000001',
    reference: 'INC-1',
    title: 'BenchNotify',
    severity: 'critical',
    status: 'open',
    services: [],
    commander: null,
    startedAt: '2026-01-10T10:00:00.000Z',
    acknowledgedAt: null,
    resolvedAt: null,
  },
  headline: 'INC-1 declared (critical): BenchNotify',
  detail: null,
  findings: [],
  links: {
    warRoom: 'https://grafana.example.com/a/reliability-studio-app/incidents/1',
    acknowledge: 'https://studio.example.com/ack/x.y',
  },
};
