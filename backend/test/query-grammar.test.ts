/**
 * Every query the correlation engine sends parses with the query language's own grammar (Prometheus' and Grafana's
 * Lezer parsers), for services whose labels and names hold quotes, backslashes, newlines and non-ASCII text.
 */
import { parser as logql } from '@grafana/lezer-logql';
import { parser as traceql } from '@grafana/lezer-traceql';
import { parser as promql } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { effectiveQueries, fillRange, QUERY_KEYS } from '../src/correlation/queries.js';
import { errorTraceQuery, SLOW_THRESHOLDS_MS, slowTraceQuery } from '../src/correlation/tempoSource.js';

type Parser = { parse(input: string): { cursor(): { name: string; from: number; next(): boolean } } };

/** Where the parser gave up (an error node), or null when the whole query parsed. */
function firstError(grammar: Parser, query: string): string | null {
  const cursor = grammar.parse(query).cursor();
  do {
    if (cursor.name === '⚠') return `${query.slice(0, cursor.from)}⟨here⟩${query.slice(cursor.from)}`;
  } while (cursor.next());
  return null;
}

const SERVICES: Array<{ name: string; labels: Record<string, string> }> = [
  { name: 'checkout', labels: {} },
  { name: 'payments-api', labels: { service: 'payments-api', env: 'prod' } },
  { name: 'odd', labels: { app: 'say "hi"\\now', region: 'zürich 🌙', team: 'a\nb' } },
];

describe('the correlation queries parse in their own languages', () => {
  for (const service of SERVICES) {
    const queries = effectiveQueries(service);

    it(`${service.name}: PromQL`, () => {
      for (const key of ['requestRate', 'errorRatio', 'latencyP95'] as const) {
        expect(firstError(promql, fillRange(queries[key], 120)), key).toBeNull();
      }
    });

    it(`${service.name}: LogQL, as lines and as the volume metric the Loki source asks for`, () => {
      expect(firstError(logql, queries.errorLogs)).toBeNull();
      expect(firstError(logql, `sum(count_over_time(${queries.errorLogs} [60s]))`)).toBeNull();
    });

    it(`${service.name}: TraceQL, the service's traces, their errors and their slow traces`, () => {
      expect(firstError(traceql, queries.traces)).toBeNull();
      expect(firstError(traceql, errorTraceQuery(queries.traces))).toBeNull();
      for (const ms of SLOW_THRESHOLDS_MS) expect(firstError(traceql, slowTraceQuery(queries.traces, ms))).toBeNull();
    });
  }

  it('would notice a broken query', () => {
    expect(firstError(promql, 'sum(rate(x[5m])')).not.toBeNull();
    expect(firstError(logql, '{service="a" |= "x"')).not.toBeNull();
    expect(firstError(traceql, '{ resource.service.name = }')).not.toBeNull();
    expect(QUERY_KEYS).toHaveLength(5);
  });
});
