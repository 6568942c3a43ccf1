/**
 * What the benches that drive the real sidecar process with alerts share: its settings, a positive-integer knob,
 * a quantile, and a poster of Alertmanager notifications that each open an incident.
 */
import http from 'node:http';
import { alertmanagerPayload } from '../../test/support/alerting.js';

/** The sidecar process's settings under a bench: quiet, unlimited, production (which wants its own secret key). */
export const BENCH_SIDECAR_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '0',
  RATE_LIMIT_INTAKE_PER_MINUTE: '0',
  NODE_ENV: 'production',
  STUDIO_SECRET_KEY: 'YmVuY2gtc2VydmVycy1zZWNyZXQta2V5LTMyYnl0ZSE=',
  // It would correlate each of the thousands of incidents a bench opens, and measure itself.
  CORRELATION_POLL_MS: '0',
};

export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

export const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))] ?? NaN;

export interface Posted {
  status: number;
  /** The incident the alert opened, when it opened one. */
  incidentId?: string;
  ms: number;
}

/**
 * Posts one Alertmanager notification with one firing critical alert (labelled `labels` and `instance: host-<n>`)
 * in a new group `n` of `bench`; resolves with the incident it opened. node:http rather than fetch: less CPU taken
 * from the cores the sidecar is measured on (see intake.ts).
 */
export function alertPoster(url: string, token: string, bench: string, labels: Record<string, string>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(url);
  const post = (n: number) =>
    new Promise<Posted>((resolve, reject) => {
      const body = JSON.stringify(
        alertmanagerPayload([{ labels: { ...labels, severity: 'critical', instance: `host-${n}` } }], {
          groupKey: `{}:{bench="${bench}",n="${n}"}`,
        })
      );
      const at = performance.now();
      const headers = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      };
      const req = http.request(
        { host: hostname, port, path: '/api/integrations/alertmanager', method: 'POST', agent, headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => {
            const incident =
              res.statusCode === 200
                ? (JSON.parse(text).incidents as { id: string; opened: boolean }[]).find((i) => i.opened)
                : undefined;
            resolve({ status: res.statusCode ?? 0, incidentId: incident?.id, ms: performance.now() - at });
          });
        }
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Sent {
  /** performance.now() when the alert was sent, by the incident it opened. */
  sentAt: Map<string, number>;
  intakeMs: number[];
  failures: string[];
}

/** `count` alerts at `rate`/s on a fixed schedule (open loop: a slow answer does not delay the next alert). */
export async function paced(
  post: (n: number) => Promise<Posted>,
  rate: number,
  count: number,
  first: number
): Promise<Sent> {
  const sent: Sent = { sentAt: new Map(), intakeMs: [], failures: [] };
  const start = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    const at = performance.now();
    calls.push(
      post(first + i).then(
        (r) => {
          sent.intakeMs.push(r.ms);
          if (r.incidentId) sent.sentAt.set(r.incidentId, at);
          else sent.failures.push(`${r.status}`);
        },
        (err: Error) => void sent.failures.push(err.message)
      )
    );
  }
  await Promise.all(calls);
  return sent;
}
