/**
 * Automatic correlation: every `pollMs` the refresher asks the database which unresolved incidents need a run
 * (never correlated: `created`; last run older than the refresh interval: `refresh`) and runs them one after the
 * other. Polling the table rather than reacting to `incident.created` in one code path catches every way an
 * incident is born (POST /api/incidents, alert promotion, another replica, a restart in between) with one cheap
 * indexed query; the engine's advisory lock and its re-check keep replicas from doing the same run twice.
 * One run at a time per replica, and the telemetry caches, keep the backends from being hammered.
 */
import { context, ROOT_CONTEXT, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../observability/logger.js';
import type { Database } from '../store/db.js';
import { incidentsDue, type RunTrigger } from '../store/correlations.js';
import type { CorrelationEngine } from './engine.js';

export interface RefresherOptions {
  db: Database;
  engine: CorrelationEngine;
  /** How often to look for due incidents; 0 turns automatic runs off. */
  pollMs: number;
  /** Re-run an open incident this long after its last run; 0: only the first run is automatic. */
  refreshMs: number;
  /** Incidents taken per round, so one round cannot run for ever. */
  batch?: number;
  logger?: Logger;
  /** Tracing on: each run is the root span of its own trace, parent of the run's calls to Prometheus, Loki, Tempo. */
  tracer?: Tracer;
}

export class CorrelationRefresher {
  private timer: NodeJS.Timeout | undefined;
  private isStopped = false;
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly options: RefresherOptions) {}

  start(): void {
    if (this.options.pollMs <= 0) return;
    this.schedule(0);
  }

  /** Stops polling and waits for the round in progress. */
  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** One round now (tests and the timer): runs every due incident in turn. */
  async round(): Promise<number> {
    const { db, engine, refreshMs, logger } = this.options;
    const due = await db.read((sql) => incidentsDue(sql, refreshMs, this.options.batch ?? 20));
    let ran = 0;
    for (const { id, trigger } of due) {
      if (this.isStopped) break;
      try {
        if (await this.runTraced(id, trigger)) ran++;
      } catch (err) {
        logger?.warn({ err, incidentId: id }, 'correlation: automatic run failed; the next round retries');
      }
    }
    return ran;
  }

  // No request to hang the run's upstream calls from: a span of its own gives them one trace per run.
  private async runTraced(incidentId: string, trigger: RunTrigger): Promise<boolean> {
    const { engine, tracer } = this.options;
    if (!tracer) return (await engine.run(incidentId, trigger)) !== null;
    const span = tracer.startSpan('correlation run', {
      root: true,
      attributes: { incident_id: incidentId, 'correlation.trigger': trigger },
    });
    try {
      const record = await context.with(trace.setSpan(ROOT_CONTEXT, span), () => engine.run(incidentId, trigger));
      // Another replica did it meanwhile: worth telling apart from a run when reading the trace.
      if (!record) span.setAttribute('correlation.skipped', true);
      return record !== null;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute(ATTR_ERROR_TYPE, err instanceof Error ? err.name : '_OTHER');
      throw err;
    } finally {
      span.end();
    }
  }

  private schedule(ms: number): void {
    if (this.isStopped) return;
    this.timer = setTimeout(() => {
      this.current = this.round()
        .then(() => undefined)
        .catch((err: unknown) => this.options.logger?.warn({ err }, 'correlation: looking for due incidents failed'))
        .finally(() => this.schedule(this.options.pollMs));
    }, ms);
    this.timer.unref();
  }
}
