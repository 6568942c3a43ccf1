/**
 * `escalate`: from alert receipt to the first page's receipt, with 1,000 escalations in flight. The real sidecar
 * (src/main.ts) in its own process; the on-call person's contact method is a signed webhook to a local receiver.
 * Every alert is a firing critical one for the `payments` service in a new group, so it opens an incident that
 * starts the service's policy: page the schedule's on-call now, then the team's room after 30 minutes (so every
 * escalation opened here stays in flight, its next step's timer pending, for the whole run).
 *
 * - Baseline, same run: alert → first page with no other escalation in flight (after 30 alerts of warm-up).
 * - Loaded: BENCH_ESCALATIONS (1,000) escalations opened and paged first, then the same measurement.
 * Each measurement: BENCH_ESCALATE_ALERTS (100) alerts at BENCH_ESCALATE_RATE (10/s), open loop.
 *
 * Target: p99 under 2 s with the escalations in flight; every page arrived once.
 */
import { loadavg } from 'node:os';
import { createSql } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createApiToken } from '../src/store/tokens.js';
import { setUpPaging } from '../test/support/pagingSetUp.js';
import { startSidecarProcess } from '../test/support/sidecarProcess.js';
import { startSignedReceiver, type SignedReceiver } from '../test/support/signedReceiver.js';
import type { BenchContext } from './run.js';
import { alertPoster, BENCH_SIDECAR_ENV, envInt, paced, quantile, sleep } from './support/alerts.js';

const P99_TARGET_MS = 2000;
const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** First pages received for these incidents within `timeoutMs`: incident → receipt time. */
async function pagesFor(
  receiver: SignedReceiver,
  incidents: Set<string>,
  timeoutMs: number
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    for (const r of receiver.receipts.values()) {
      if (r.event === 'paged' && incidents.has(r.incidentId) && !found.has(r.incidentId)) found.set(r.incidentId, r.at);
    }
    if (found.size === incidents.size || performance.now() > deadline) return found;
    await sleep(50);
  }
}

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  const inFlight = envInt('BENCH_ESCALATIONS', 1000);
  const alerts = envInt('BENCH_ESCALATE_ALERTS', 100);
  const rate = envInt('BENCH_ESCALATE_RATE', 10);
  const sql = createSql({ url: database.url, poolMax: 2, statementTimeoutMs: 30_000 });
  await migrate(sql);
  const { token } = await createApiToken(sql, 'bench-alertmanager', 'integration');
  const receiver = await startSignedReceiver(SIGNING_SECRET);
  const sidecar = await startSidecarProcess(database.url, ADMIN_TOKEN, BENCH_SIDECAR_ENV, { readyTimeoutMs: 60_000 });
  try {
    const post = async (path: string, json: unknown) => {
      const res = await fetch(sidecar.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ id: string }>;
    };
    await setUpPaging(post, { receiverOrigin: receiver.origin, signingSecret: SIGNING_SECRET, waitMinutes: 30 });
    const poster = alertPoster(sidecar.url, token, 'escalate', { alertname: 'PaymentsDown', service: 'payments' });
    report(
      `  ${alerts} alerts at ${rate}/s, each opening an incident whose policy pages the on-call by signed webhook; ` +
        `with none and with ${inFlight} escalations in flight (load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')})`
    );

    let n = 0;
    const measure = async (count = alerts) => {
      const sent = await paced(poster.post, rate, count, n);
      n += count;
      const pages = await pagesFor(receiver, new Set(sent.sentAt.keys()), 30_000);
      const latencies = [...pages].map(([id, at]) => at - sent.sentAt.get(id)!);
      return { latencies, missing: sent.sentAt.size - pages.size, failures: sent.failures.length };
    };

    // A fresh process: V8 warms the intake and paging paths on the first few dozen.
    await measure(Math.min(alerts, 30));
    const baseline = await measure();
    // The escalations in flight: opened in batches, each paged first (so its next step's timer is pending).
    const opened = new Set<string>();
    for (let i = 0; i < inFlight; i += 100) {
      const batch = await paced(poster.post, 200, Math.min(100, inFlight - i), n);
      n += 100;
      for (const id of batch.sentAt.keys()) opened.add(id);
    }
    const seeded = await pagesFor(receiver, opened, 120_000);
    const [active] = await sql<
      { count: number }[]
    >`select count(*)::int as count from escalations where state = 'active'`;
    const loaded = await measure();
    poster.close();

    const repeats = [...receiver.receipts.values()].reduce((k, r) => k + r.repeats, 0);
    const line = (name: string, m: typeof baseline) =>
      `  ${name.padEnd(9)} alert → first page p50 ${quantile(m.latencies, 0.5).toFixed(0)} ms, p99 ${quantile(m.latencies, 0.99).toFixed(0)} ms, ` +
      `max ${Math.max(...m.latencies).toFixed(0)} ms; ${m.latencies.length} paged, ${m.missing} not within 30 s, ${m.failures} intake failures`;
    report(line('baseline', baseline));
    report(
      `  in flight ${active!.count} escalations active (${seeded.size} of ${opened.size} opened here paged first)`
    );
    report(line('loaded', loaded));
    const p99 = quantile(loaded.latencies, 0.99);
    const lost =
      baseline.missing +
      loaded.missing +
      baseline.failures +
      loaded.failures +
      (opened.size - seeded.size) +
      receiver.invalid;
    report(
      `  p99 ${p99.toFixed(0)} ms with ${active!.count} in flight (${p99 < P99_TARGET_MS ? 'meets' : 'MISSES'} the ${P99_TARGET_MS} ms target; ` +
        `baseline p99 ${quantile(baseline.latencies, 0.99).toFixed(0)} ms); ${repeats} repeated pages, ${receiver.invalid} bad signatures, ` +
        `${lost} lost (load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')})`
    );
    return { ok: p99 < P99_TARGET_MS && lost === 0 && active!.count >= inFlight };
  } finally {
    await sidecar.stop();
    await receiver.close();
    await sql.end({ timeout: 1 });
  }
}
