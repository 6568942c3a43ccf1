/**
 * Log patterns: templates of realistic log lines (logfmt, JSON, plain text, access logs, panics), grouping, and
 * the comparison that finds new or sharply risen patterns.
 */
import { describe, expect, it } from 'vitest';
import { comparePatterns, logTemplate, minePatterns, type LogLine } from '../src/domain/logPatterns.js';

describe('logTemplate', () => {
  it.each([
    [
      'level=error ts=2024-05-01T10:00:00.123Z caller=payment.go:42 msg="charge failed for order 12345" user_id=987 duration=1.5s trace_id=4bf92f3577b34da6a3ce929d0e0e4736',
      'level=error ts=<ts> caller=payment.go:<num> msg="charge failed for order <num>" user_id=<num> duration=<duration> trace_id=<id>',
    ],
    [
      '{"level":"error","time":"2024-05-01T10:00:01Z","msg":"upstream connect error to 10.0.3.17:8080 after 250ms","request_id":"9f1c2a4e-5b6d-4c3e-8f7a-1b2c3d4e5f60"}',
      '{"level":"<str>","time":"<str>","msg":"upstream connect error to <ip> after <duration>","request_id":"<str>"}',
    ],
    [
      "ERROR 2024-05-01 10:00:00,123 [worker-3] db: can't connect to 'orders-db' (attempt 3/5)",
      "ERROR <ts> [worker-<num>] db: can't connect to '<str>' (attempt <num>/<num>)",
    ],
    [
      'panic: runtime error: index out of range [5] with length 3',
      'panic: runtime error: index out of range [<num>] with length <num>',
    ],
    ['10.1.2.3 - - "GET /api/orders/1234 HTTP/1.1" 500 0.123', '<ip> - - "<str>" <num> <num>'],
    [
      'declined\tcard ending 4242,  amount=-12.50 EUR via http2 client v1.2.3 for user42 order-77 ord_88 at 0xdeadBEEF sha=3f786850e387550fdab836ed7e6dc881de23001b',
      'declined card ending <num>, amount=<num> EUR via http2 client v1.2.3 for user42 order-<num> ord_<num> at <id> sha=<id>',
    ],
    [
      'request K7gNU3sdo-OL0wNhqoVWhr3g6s1xYv72 timed out after 2m30s at 10:00:00.5',
      'request <id> timed out after <duration> at <ts>',
    ],
    ['Zahlung für Bestellung 42 fehlgeschlagen ✗', 'Zahlung für Bestellung <num> fehlgeschlagen ✗'],
  ])('%s', (line, template) => {
    expect(logTemplate(line)).toBe(template);
  });

  it('gives lines that differ only in values one template, and different messages different ones', () => {
    const a = logTemplate('msg="timeout calling inventory" attempt=1 latency=503ms');
    expect(logTemplate('msg="timeout calling inventory" attempt=4 latency=12.5s')).toBe(a);
    expect(logTemplate('msg="timeout calling pricing" attempt=4 latency=12.5s')).not.toBe(a);
  });

  it('bounds the work and the template on huge lines', () => {
    const template = logTemplate(`boom ${'x'.repeat(1_000_000)}`);
    expect(template.length).toBeLessThanOrEqual(401);
    expect(template.startsWith('boom x')).toBe(true);
  });
});

const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 10, minute));
const line = (text: string, minute = 0, labels: Record<string, string> = { app: 'checkout' }): LogLine => ({
  at: at(minute),
  line: text,
  labels,
});

describe('minePatterns', () => {
  it('counts per template, most frequent first, keeps the first samples only', () => {
    const lines = [
      ...Array.from({ length: 7 }, (_, i) => line(`payment ${1000 + i} declined: insufficient funds`, i)),
      line('cache miss for key user:1', 1),
      line('cache miss for key user:2', 2),
    ];
    const groups = minePatterns(lines, { maxSamples: 3 });
    expect(groups.map((g) => [g.template, g.count])).toEqual([
      ['payment <num> declined: insufficient funds', 7],
      ['cache miss for key user:<num>', 2],
    ]);
    expect(groups[0]!.samples.map((s) => s.line)).toEqual([
      'payment 1000 declined: insufficient funds',
      'payment 1001 declined: insufficient funds',
      'payment 1002 declined: insufficient funds',
    ]);
    expect(minePatterns(lines, { maxPatterns: 1 })).toHaveLength(1);
  });
});

describe('comparePatterns', () => {
  const baseline = minePatterns([
    ...Array.from({ length: 30 }, (_, i) => line(`GET /health took ${i}ms`, i)),
    ...Array.from({ length: 6 }, (_, i) => line(`retrying call to ledger, attempt ${i}`, i)),
  ]);

  it('finds a new pattern and a sharp rise, ignores a steady one, one-offs and falls; most surprising first', () => {
    const current = minePatterns([
      ...Array.from({ length: 10 }, (_, i) => line(`GET /health took ${i}ms`, i)), // steady (same rate, 1/3 of the time)
      ...Array.from({ length: 12 }, (_, i) => line(`retrying call to ledger, attempt ${i}`, i)), // 6x the rate
      ...Array.from({ length: 25 }, (_, i) => line(`connection pool exhausted (size=${i})`, i)), // new
      line('disk almost full on /dev/sda1'), // a one-off
    ]);
    const changes = comparePatterns(current, baseline, { currentMs: 10 * 60_000, baselineMs: 30 * 60_000 });
    expect(changes.map((c) => [c.template, c.count, c.baselineCount, c.isNew])).toEqual([
      ['connection pool exhausted (size=<num>)', 25, 0, true],
      ['retrying call to ledger, attempt <num>', 12, 6, false],
    ]);
    expect(changes[1]!.excess).toBeCloseTo(10, 5);
    expect(changes[0]!.samples).toHaveLength(5);
  });

  it('takes the spans the lines cover: the same counts over a shorter baseline are no rise', () => {
    const current = minePatterns(
      Array.from({ length: 12 }, (_, i) => line(`retrying call to ledger, attempt ${i}`, i))
    );
    expect(comparePatterns(current, baseline, { currentMs: 60_000, baselineMs: 60_000 }, { minRatio: 2 })).toEqual([
      expect.objectContaining({ count: 12, baselineCount: 6 }),
    ]);
    expect(comparePatterns(current, baseline, { currentMs: 60_000, baselineMs: 30_000 })).toEqual([]);
  });
});
