/**
 * Findings written straight into the database, as the correlation engine would have stored them, for tests of what
 * people do with findings (pins, evidence links, postmortems) without running the engine.
 */
import type { Sql } from '../../src/store/db.js';

export interface SeededFinding {
  id: string;
  runId: string;
}

const WINDOW = { start: '2025-03-01T10:00:00.000Z', end: '2025-03-01T11:00:00.000Z' };
const BASELINE = { start: '2025-03-01T09:00:00.000Z', end: '2025-03-01T10:00:00.000Z' };

/** A finished correlation run for the incident (started now, to the microsecond, so later seeds are later runs), with its findings (defaults: one Loki error-log finding). */
export async function seedFindings(
  sql: Sql,
  incidentId: string,
  findings: Array<
    Partial<{
      source: string;
      service: string | null;
      signal: string;
      score: number;
      summary: string;
      query: string;
      data: unknown;
    }>
  > = [{}]
): Promise<SeededFinding[]> {
  const [run] = await sql<{ id: string }[]>`
    insert into correlation_runs (incident_id, trigger, started_at, finished_at, window_start, window_end, baseline_start, baseline_end,
                                  sources)
    values (${incidentId}, 'manual', clock_timestamp(), clock_timestamp(), ${WINDOW.start}, ${WINDOW.end}, ${BASELINE.start}, ${BASELINE.end},
            ${sql.json({ loki: { status: 'ok', message: null, durationMs: 12, findings: findings.length } })})
    returning id`;
  const seeded: SeededFinding[] = [];
  for (const [rank, f] of findings.entries()) {
    const [row] = await sql<{ id: string }[]>`
      insert into correlations (run_id, incident_id, source, service, signal, score, rank, summary, query,
                                window_start, window_end, baseline_start, baseline_end, changed_at, explore_url, data)
      values (${run!.id}, ${incidentId}, ${f.source ?? 'loki'}, ${f.service === undefined ? 'checkout' : f.service},
              ${f.signal ?? 'error_logs'}, ${f.score ?? 0.9}, ${rank + 1},
              ${f.summary ?? 'Error logs in checkout rose 12x, starting 3 min before the incident'},
              ${f.query ?? 'sum(count_over_time({service="checkout"} |= "error" [1m]))'},
              ${WINDOW.start}, ${WINDOW.end}, ${BASELINE.start}, ${BASELINE.end}, '2025-03-01T10:07:00.000Z',
              '/explore?left=x',
              ${sql.json((f.data ?? { count: 1200, baselineCount: 100, samples: [{ at: WINDOW.start, line: 'payment failed: timeout', labels: { level: 'error' } }] }) as never)})
      returning id`;
    seeded.push({ id: row!.id, runId: run!.id });
  }
  return seeded;
}

export const SEEDED_WINDOW = WINDOW;
export const SEEDED_BASELINE = BASELINE;
