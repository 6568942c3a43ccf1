import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The delivery worker's series (README lists them): names are a contract with dashboards, rename only with them. */
export interface NotifyMetrics {
  attempts: Counter<'kind' | 'outcome'>;
  sendDuration: Histogram<'kind'>;
  requeued: Counter;
}

// Seconds: a webhook on the same network answers in milliseconds; NOTIFY_SEND_TIMEOUT_MS (10 s) ends the rest.
const SEND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Registers the worker's metrics in the app's registry; `queued` counts jobs waiting, read at scrape time. */
export function createNotifyMetrics(registry: Registry, queued: () => Promise<number>): NotifyMetrics {
  const registers = [registry];
  new Gauge({
    name: 'notification_jobs_waiting',
    help: 'Delivery jobs queued and not yet taken by a worker (due now or later), across replicas.',
    registers,
    async collect() {
      try {
        this.set(await queued());
      } catch {
        this.reset(); // the database is away: export nothing rather than a wrong number
      }
    },
  });
  return {
    attempts: new Counter({
      name: 'notification_attempts_total',
      help: 'Delivery attempts by channel kind and outcome: delivered, retrying, dead, or postponed (breaker open, no slot).',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    sendDuration: new Histogram({
      name: 'notification_send_seconds',
      help: 'How long one send to a receiver took, answered or not.',
      labelNames: ['kind'] as const,
      buckets: SEND_BUCKETS,
      registers,
    }),
    requeued: new Counter({
      name: 'notification_deliveries_requeued_total',
      help: 'Deliveries found overdue without a queue job (their job lost or out of retries) and queued again.',
      registers,
    }),
  };
}
