/** Shared settings of the telemetry client and evidence source tests: fast policies and one incident's context. */
import type { CorrelationContext } from '../../src/correlation/source.js';
import { effectiveQueries } from '../../src/correlation/queries.js';
import type { PolicyOptions } from '../../src/resilience/policy.js';

/** The design's breaker shape with test-sized timeouts and backoff: client tests check retries and breaker trips. */
export function clientTestPolicy(retries: number): PolicyOptions {
  return {
    timeoutMs: 300,
    retries,
    backoff: { baseMs: 5, maxMs: 50, jitter: 0 },
    breaker: {
      consecutiveFailures: 5,
      failureRate: 0.5,
      windowSize: 10,
      closeAfterSuccesses: 3,
      halfOpenAfterMs: 60_000,
    },
    bulkhead: { maxConcurrent: 10, maxQueue: 100 },
  };
}

/** For source tests: one retry, and a breaker that never opens, so each scenario sees its own replies. */
export const SOURCE_TEST_POLICY: PolicyOptions = {
  timeoutMs: 400,
  retries: 1,
  backoff: { baseMs: 5, maxMs: 100, jitter: 0 },
  breaker: {
    consecutiveFailures: 50,
    failureRate: 1,
    windowSize: 100,
    closeAfterSuccesses: 1,
    halfOpenAfterMs: 60_000,
  },
  bulkhead: { maxConcurrent: 20, maxQueue: 100 },
};

/** A time on the scenarios' day (2024-05-01, UTC). */
export const at = (hh: number, mm: number, ss = 0) => new Date(Date.UTC(2024, 4, 1, hh, mm, ss));

/** Two services with the default query templates. */
export const SOURCE_TEST_SERVICES = ['checkout', 'cart'].map((name) => ({
  name,
  labels: { service: name },
  queries: effectiveQueries({ name, labels: { service: name } }),
}));

/** The incident of the source scenarios: started 09:40, window 09:30–10:00, baseline 09:00–09:30. */
export function sourceTestContext(signal = new AbortController().signal): CorrelationContext {
  return {
    incidentId: 'inc-1',
    incidentStart: at(9, 40),
    window: { start: at(9, 30), end: at(10, 0) },
    baseline: { start: at(9, 0), end: at(9, 30) },
    services: SOURCE_TEST_SERVICES,
    signal,
  };
}
