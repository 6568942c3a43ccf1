import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JitteredBackoff } from '../src/resilience/backoff.js';
import { TtlCache } from '../src/resilience/cache.js';
import { DependencyFailure, DependencyPolicy, type Classifier, type PolicyOptions } from '../src/resilience/policy.js';
import { ResilienceRegistry, type ResilienceEvent } from '../src/resilience/registry.js';

/** An HTTP-ish error: 5xx and network failures are the dependency's; 4xx are the caller's. */
class UpstreamError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number
  ) {
    super(`HTTP ${status}`);
  }
}
const classify: Classifier = (e) => {
  const status = e instanceof UpstreamError ? e.status : 0;
  if (status === 429) return { retry: 'idempotent', isFailure: false };
  if (status >= 400 && status < 500) return { retry: 'never', isFailure: false };
  return { retry: 'idempotent', isFailure: true };
};

const OPTIONS: PolicyOptions = {
  timeoutMs: 1000,
  retries: 0,
  backoff: { baseMs: 100, maxMs: 5000, jitter: 0.25 },
  breaker: {
    consecutiveFailures: 5,
    failureRate: 0.5,
    windowSize: 10,
    closeAfterSuccesses: 3,
    halfOpenAfterMs: 30_000,
  },
  bulkhead: { maxConcurrent: 2, maxQueue: 1 },
};

function makePolicy(overrides: Partial<PolicyOptions> = {}) {
  const registry = new ResilienceRegistry();
  const events: ResilienceEvent[] = [];
  registry.on((e) => events.push(e));
  const policy = new DependencyPolicy('upstream', { ...OPTIONS, ...overrides }, classify, registry);
  const ok = () => policy.execute(async () => 'ok', { isIdempotent: true });
  const fail = (status = 503) =>
    policy
      .execute(async () => Promise.reject(new UpstreamError(status)), { isIdempotent: true })
      .catch((e: unknown) => e);
  return { policy, registry, events, ok, fail };
}

describe('circuit breaker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens after 5 consecutive failures and then fails fast without calling the dependency', async () => {
    const { policy, fail, events } = makePolicy();
    for (let n = 0; n < 4; n++) await fail();
    expect(policy.state).toBe('closed');
    await fail();
    expect(policy.state).toBe('open');
    expect(events).toContainEqual({ type: 'breaker_state', dependency: 'upstream', state: 'open' });

    const calls = vi.fn(async () => 'ok');
    const error = await policy.execute(calls, { isIdempotent: true }).catch((e: unknown) => e);
    expect(calls).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(DependencyFailure);
    expect(error).toMatchObject({ reason: 'circuit_open', retryAfterMs: 30_000 });
  });

  it('opens when half of the last 10 calls failed, even without 5 in a row', async () => {
    const { policy, ok, fail } = makePolicy();
    for (let n = 0; n < 4; n++) {
      await ok();
      await fail();
    }
    await ok();
    expect(policy.state).toBe('closed'); // 4 failures in 9 calls
    await fail();
    expect(policy.state).toBe('open'); // 5 of the last 10
  });

  it('never counts the caller’s 4xx against the dependency', async () => {
    const { policy, fail } = makePolicy();
    for (let n = 0; n < 20; n++) expect(await fail(404)).toBeInstanceOf(UpstreamError);
    expect(policy.state).toBe('closed');
  });

  it('half-opens after 30 s, and closes for good only after 3 successes', async () => {
    const { policy, ok, fail, events } = makePolicy();
    for (let n = 0; n < 5; n++) await fail();
    vi.advanceTimersByTime(29_000);
    expect(await fail()).toMatchObject({ reason: 'circuit_open', retryAfterMs: 1000 });
    vi.advanceTimersByTime(1000);

    await ok(); // the half-open probe
    expect(policy.state).toBe('closed');
    await ok();
    await fail(); // a failure on probation (2 of 3 successes) reopens at once
    expect(policy.state).toBe('open');

    vi.advanceTimersByTime(30_000);
    await ok();
    await ok();
    await ok(); // probe + 2: fully closed
    await fail();
    expect(policy.state).toBe('closed'); // one failure no longer opens it
    expect(events.filter((e) => e.type === 'breaker_state').map((e) => (e as { state: string }).state)).toEqual([
      'open',
      'half_open',
      'closed',
      'open',
      'half_open',
      'closed',
    ]);
  });

  it('while the half-open probe runs, other calls fail fast instead of waiting for it', async () => {
    const { policy, fail } = makePolicy();
    for (let n = 0; n < 5; n++) await fail();
    vi.advanceTimersByTime(30_000);
    let answer: (value: string) => void = () => {};
    const probe = policy.execute(() => new Promise<string>((resolve) => (answer = resolve)), { isIdempotent: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(policy.state).toBe('half_open');

    const other = vi.fn(async () => 'ok');
    let settled: unknown = 'still waiting';
    void policy.execute(other, { isIdempotent: true }).then(
      (v) => (settled = v),
      (e: unknown) => (settled = e)
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toMatchObject({ reason: 'circuit_open', retryAfterMs: 1000 });
    expect(other).not.toHaveBeenCalled();
    answer('ok');
    await expect(probe).resolves.toBe('ok');
    expect(policy.state).toBe('closed');
  });

  it('with waitForProbe, calls that arrive during the probe wait for it and are served once it closes', async () => {
    const { policy, fail } = makePolicy({ waitForProbe: true });
    for (let n = 0; n < 5; n++) await fail();
    vi.advanceTimersByTime(30_000);
    let answer: (value: string) => void = () => {};
    const probe = policy.execute(() => new Promise<string>((resolve) => (answer = resolve)), { isIdempotent: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(policy.state).toBe('half_open');
    const others = [1, 2].map(() => policy.execute(async () => 'served', { isIdempotent: true }));
    await vi.advanceTimersByTimeAsync(0);
    answer('ok');
    await expect(probe).resolves.toBe('ok');
    await expect(Promise.all(others)).resolves.toEqual(['served', 'served']);
    expect(policy.state).toBe('closed');
  });

  it('with waitForProbe, a call waiting for a probe that fails is refused without calling the dependency', async () => {
    const { policy, fail } = makePolicy({ waitForProbe: true });
    for (let n = 0; n < 5; n++) await fail();
    vi.advanceTimersByTime(30_000);
    let refuse: (err: Error) => void = () => {};
    const failingProbe = policy
      .execute(() => new Promise<string>((_, reject) => (refuse = reject)), { isIdempotent: true })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    const other = vi.fn(async () => 'ok');
    const waiting = policy.execute(other, { isIdempotent: true }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    refuse(new UpstreamError(503));
    expect(await failingProbe).toBeInstanceOf(DependencyFailure);
    expect(await waiting).toMatchObject({ reason: 'circuit_open' });
    expect(other).not.toHaveBeenCalled();
  });

  it('with waitForProbe, a caller waits at most the timeout for a hung probe', async () => {
    const { policy, fail } = makePolicy({ waitForProbe: true, timeoutMs: 1000 });
    for (let n = 0; n < 5; n++) await fail();
    vi.advanceTimersByTime(30_000);
    void policy.execute(() => new Promise<string>(() => {}), { isIdempotent: true }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    let settled: unknown = 'still waiting';
    void policy
      .execute(async () => 'ok', { isIdempotent: true })
      .then(
        (v) => (settled = v),
        (e: unknown) => (settled = e)
      );
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe('still waiting');
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toMatchObject({ reason: 'circuit_open' });
  });

  it('reopens when the half-open probe fails', async () => {
    const { policy, fail } = makePolicy();
    for (let n = 0; n < 5; n++) await fail();
    vi.advanceTimersByTime(30_000);
    await fail();
    expect(policy.state).toBe('open');
  });
});

describe('retry', () => {
  it('retries idempotent calls with backoff, honouring Retry-After, then gives up', async () => {
    const { policy, events } = makePolicy({ retries: 3, backoff: { baseMs: 1, maxMs: 50, jitter: 0.25 } });
    let calls = 0;
    const error = await policy
      .execute(
        async () => {
          calls++;
          throw calls === 1 ? new UpstreamError(429, 20) : new UpstreamError(503);
        },
        { isIdempotent: true }
      )
      .catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(error).toMatchObject({ reason: 'retries_exhausted' });
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries).toHaveLength(3);
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 20 }); // the 429's Retry-After
    expect(events.at(-1)).toEqual({ type: 'give_up', dependency: 'upstream', reason: 'retries_exhausted' });
  });

  it('never retries a 4xx, nor a failure that may have had an effect when the call is not idempotent', async () => {
    const { policy } = makePolicy({ retries: 3, backoff: { baseMs: 1, maxMs: 5, jitter: 0 } });
    for (const [status, isIdempotent] of [
      [400, true],
      [503, false],
    ] as const) {
      let calls = 0;
      await policy
        .execute(
          async () => {
            calls++;
            throw new UpstreamError(status);
          },
          { isIdempotent }
        )
        .catch(() => undefined);
      expect(calls, `${status} idempotent=${isIdempotent}`).toBe(1);
    }
  });
});

describe('timeout and bulkhead', () => {
  it('abandons a slow call after the timeout and aborts its signal', async () => {
    const { policy } = makePolicy({ timeoutMs: 50 });
    let signal: AbortSignal | undefined;
    const started = Date.now();
    const error = await policy
      .execute(
        (s) => {
          signal = s;
          return new Promise((resolve) => setTimeout(resolve, 2000));
        },
        { isIdempotent: true }
      )
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(signal?.aborted).toBe(true);
  });

  it('runs at most maxConcurrent calls, queues maxQueue, and rejects the rest at once', async () => {
    const { policy, registry } = makePolicy();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls = Array.from({ length: 4 }, () =>
      policy.execute(() => gate.then(() => 'done'), { isIdempotent: true }).catch((e: unknown) => e)
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(registry.dependencies()[0]).toMatchObject({ name: 'upstream', inFlight: 2, queued: 1 });
    release();
    const results = await Promise.all(calls);
    expect(results.filter((r) => r === 'done')).toHaveLength(3);
    expect(results.filter((r) => r instanceof DependencyFailure && r.reason === 'bulkhead_full')).toHaveLength(1);
  });
});

describe('JitteredBackoff', () => {
  const context = (error?: unknown) =>
    ({ attempt: 1, signal: new AbortController().signal, result: { error } }) as never;

  it('doubles from 100 ms to at most 5 s, within ±25 %', () => {
    for (const r of [0, 0.5, 0.999]) {
      const random = () => r;
      let backoff = new JitteredBackoff({ baseMs: 100, maxMs: 5000, jitter: 0.25, random }).next(context());
      const delays = [backoff.duration];
      for (let n = 0; n < 7; n++) {
        backoff = backoff.next(context());
        delays.push(backoff.duration);
      }
      const nominal = [100, 200, 400, 800, 1600, 3200, 5000, 5000];
      delays.forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(Math.round(nominal[i]! * 0.75));
        expect(d).toBeLessThanOrEqual(Math.min(5000, Math.round(nominal[i]! * 1.25)));
      });
    }
  });

  it('waits what Retry-After says, capped at the maximum', () => {
    const backoff = new JitteredBackoff({ baseMs: 100, maxMs: 5000, jitter: 0.25 });
    expect(backoff.next(context({ retryAfterMs: 1200 })).duration).toBe(1200);
    expect(backoff.next(context({ retryAfterMs: 60_000 })).duration).toBe(5000);
  });
});

describe('TtlCache', () => {
  it('counts hits, misses and evictions, expires by TTL, and shares one load among concurrent callers', async () => {
    const registry = new ResilienceRegistry();
    const cache = new TtlCache<string>('queries', { maxEntries: 2, ttlMs: 40 }, registry);
    const load = vi.fn(async () => 'value');
    const [a, b] = await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
    expect([a, b]).toEqual(['value', 'value']);
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.get('k')).toBe('value');
    cache.set('x', '1');
    cache.set('y', '2'); // evicts the least recently used
    expect(registry.caches()).toEqual([{ name: 'queries', size: 2, maxSize: 2, hits: 1, misses: 2, evictions: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(cache.get('x')).toBeUndefined();
  });

  it('keeps nothing with a TTL of 0, yet still shares a load in flight', async () => {
    const cache = new TtlCache<string>('fresh', { maxEntries: 10, ttlMs: 0 });
    const load = vi.fn(async () => 'value');
    await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
    expect(load).toHaveBeenCalledTimes(1);
    await cache.getOrLoad('k', load);
    expect(load).toHaveBeenCalledTimes(2);
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('which Postgres errors mean the database is unavailable', () => {
  it('counts unreachable, shutting down and out of resources, but not a bad query', async () => {
    const { classifyDatabaseError } = await import('../src/store/db.js');
    const pgError = (code: string) => Object.assign(new Error(code), { code });
    for (const code of [
      'ECONNREFUSED',
      'CONNECTION_CLOSED',
      '08006',
      '57P01',
      '57P03',
      '53100',
      '53200',
      '53300',
      '58030',
    ]) {
      expect(classifyDatabaseError(pgError(code)), code).toEqual({ retry: 'idempotent', isFailure: true });
    }
    // A constraint violation or a syntax error is the request's fault: no retry, and the breaker does not count it.
    for (const code of ['23505', '42601', '22P02']) {
      expect(classifyDatabaseError(pgError(code)), code).toEqual({ retry: 'never', isFailure: false });
    }
  });
});

describe('the postgres.js closed-socket guard', () => {
  it('recognises exactly the known driver error and nothing else', async () => {
    const { isPostgresJsClosedSocketWrite } = await import('../src/store/db.js');
    const bug = new TypeError("Cannot read properties of null (reading 'write')");
    bug.stack = `${bug.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)\n    at process.processImmediate (node:internal/timers:485:21)`;
    expect(isPostgresJsClosedSocketWrite(bug)).toBe(true);
    const elsewhere = new TypeError("Cannot read properties of null (reading 'write')");
    elsewhere.stack = `${elsewhere.message}\n    at nextWrite (file:///app/src/ours.js:1:1)`;
    expect(isPostgresJsClosedSocketWrite(elsewhere)).toBe(false);
    expect(isPostgresJsClosedSocketWrite(new Error('boom'))).toBe(false);
    expect(isPostgresJsClosedSocketWrite(undefined)).toBe(false);
  });
});
