/**
 * Nothing lost: Postgres is stopped while senders keep posting with Alertmanager-like retries (any non-2xx is
 * retried after Retry-After, capped). After it returns, every alert is stored exactly once, and no 2xx was ever
 * given for an alert that is not stored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { alertFingerprint } from '../src/domain/alerts.js';
import { createApiToken } from '../src/store/tokens.js';
import { alertmanagerPayload, manyAlerts } from './support/alerting.js';
import { startSidecar } from './support/sidecar.js';
import { startStoppablePostgres } from './support/stoppablePostgres.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Attempt {
  at: number;
  status: number;
  ms: number;
  code?: string;
  retryAfter: string | null;
}

describe('Postgres stopped while Alertmanager keeps sending', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it(
    'answers 503 + Retry-After during the outage and stores every alert exactly once after',
    { timeout: 90_000 },
    async () => {
      // Its own Postgres, since this test stops it.
      let token = '';
      const pg = await startStoppablePostgres(async (sql) => {
        token = (await createApiToken(sql, 'alertmanager', 'integration')).token;
      });
      cleanups.push(() => pg.remove());
      const sidecar = await startSidecar({ databaseUrl: pg.url });
      cleanups.push(() => sidecar.close());

      const attempts: Attempt[] = [];
      const acknowledged: string[] = []; // fingerprints of alerts in payloads answered 2xx
      const sent = new Set<string>();
      let isRunning = true;
      let okAfterRecovery = 0;
      let backAt = Infinity;

      const sender = async (id: number) => {
        for (let batch = 0; isRunning; batch++) {
          // 10 new alerts and the previous batch's 10 again (a repeat notification of a still-firing group).
          const alerts = [
            ...manyAlerts(10, { alertname: `Sender${id}` }, batch * 10),
            ...manyAlerts(10, { alertname: `Sender${id}` }, Math.max(0, batch - 1) * 10),
          ];
          for (const a of alerts) sent.add(alertFingerprint(a.labels));
          const body = alertmanagerPayload(alerts, { groupKey: `{}:{sender="${id}"}` });
          // Alertmanager retries a failed notification until it succeeds (or its own timeout); so does this.
          for (;;) {
            const at = Date.now();
            const res = await sidecar
              .call('/api/integrations/alertmanager', { method: 'POST', token, json: body })
              .catch(() => null);
            const json = res ? await res.json() : {};
            attempts.push({
              at,
              status: res?.status ?? 0,
              ms: Date.now() - at,
              code: json.error?.code,
              retryAfter: res?.headers.get('retry-after') ?? null,
            });
            if (res && res.ok) {
              for (const a of alerts) acknowledged.push(alertFingerprint(a.labels));
              if (at > backAt) okAfterRecovery++;
              break;
            }
            await sleep(Math.min(500, Number(res?.headers.get('retry-after') ?? 1) * 1000));
          }
          await sleep(20);
        }
      };
      const senders = [sender(1), sender(2)];

      await sleep(1000);
      const stoppedAt = Date.now();
      await pg.stop();
      await sleep(3000);
      await pg.restart();
      backAt = Date.now();
      while (okAfterRecovery < 10 && Date.now() - backAt < 20_000) await sleep(100);
      isRunning = false;
      await Promise.all(senders);

      const during = attempts.filter((a) => a.at > stoppedAt + 500 && a.at < backAt - 200);
      console.log(
        `attempts ${attempts.length}, 2xx ${attempts.filter((a) => a.status === 200).length}, during outage ${during.length}, ` +
          `alerts sent ${sent.size}, slowest answer in outage ${Math.max(...during.map((a) => a.ms))} ms`
      );
      expect(during.length).toBeGreaterThan(4);
      expect(
        during.every((a) => a.status === 503 && a.code === 'DATABASE_UNAVAILABLE' && Number(a.retryAfter) >= 1)
      ).toBe(true);
      expect(attempts.every((a) => a.status === 200 || a.status === 503)).toBe(true); // never a 4xx or 500 the sender would drop
      expect(okAfterRecovery).toBeGreaterThanOrEqual(10);

      const rows = await sidecar.sql<{ fingerprint: string; n: number }[]>`
      select fingerprint, count(*)::int as n from alerts group by fingerprint`;
      expect(rows.every((r) => r.n === 1)).toBe(true); // exactly once
      expect(new Set(rows.map((r) => r.fingerprint))).toEqual(sent); // nothing lost: the senders retried until 2xx
      expect(new Set(acknowledged)).toEqual(sent);
    }
  );
});
