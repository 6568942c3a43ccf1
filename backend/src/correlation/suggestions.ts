/**
 * Turning the top findings into statements for the investigation board ("Error logs in payments rose 3 min before
 * the incident"). A suggestion is a lead, not a verdict: people confirm or refute it.
 */
import type { Finding, Suggestion } from '../store/correlations.js';
import type { FindingSignal } from './findings.js';

const SIGNAL_NAMES: Record<FindingSignal, string> = {
  error_ratio: 'Error ratio',
  latency_p95: 'p95 latency',
  request_rate: 'Request rate',
  error_logs: 'Error logs',
  log_pattern: 'A new log pattern',
  error_traces: 'Failing traces',
  slow_traces: 'Slow traces',
  failing_spans: 'Failing spans',
  change: 'A change',
};

/** "3 min before the incident", "at the incident's start", "2 min after the incident started". */
export function relativeToStart(at: Date, incidentStart: Date): string {
  const minutes = Math.round((at.getTime() - incidentStart.getTime()) / 60_000);
  if (minutes === 0) return "at the incident's start";
  return minutes < 0 ? `${-minutes} min before the incident` : `${minutes} min after the incident started`;
}

function verb(finding: Finding): string {
  const { baselineValue, currentValue } = finding.data;
  if (typeof baselineValue === 'number' && typeof currentValue === 'number' && currentValue < baselineValue) return 'fell';
  return 'rose';
}

/**
 * Statements for the findings scoring at least `minScore`, best first, at most `max`. Each carries a label naming
 * the signal (source, service, signal) that identifies it across runs.
 */
export function suggestHypotheses(findings: Finding[], incidentStart: Date, minScore: number, max = 3): Suggestion[] {
  return findings
    .filter((f) => f.score >= minScore)
    .slice(0, max)
    .map((f) => {
      const where = f.service ? ` in ${f.service}` : '';
      const when = f.changedAt ? ` ${relativeToStart(f.changedAt, incidentStart)}` : ' during the incident';
      const statement =
        f.source === 'change'
          ? `${f.summary} (a possible cause)`
          : `${SIGNAL_NAMES[f.signal]}${where} ${verb(f)}${when}`;
      const label = `${f.source}: ${SIGNAL_NAMES[f.signal].toLowerCase()}${where}${f.source === 'change' ? ` (${f.summary})` : ''}`;
      return { statement, findingRank: f.rank, label };
    });
}
