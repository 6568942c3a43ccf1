import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { shedReporter } from '../src/http/shedding.js';
import { createLogger } from '../src/observability/logger.js';
import { ADMIN_TOKEN, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';
import { holdRequest } from './support/slowRequest.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function expectOverloaded(res: Response, reason: string): Promise<void> {
  const body = await expectStatus(res, 503);
  expect(body.error).toMatchObject({ code: 'OVERLOADED', details: { reason }, request_id: expect.any(String) });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(3);
}

describe('load shedding on requests in flight', () => {
  let sidecar: TestSidecar;
  // Production's level: what an operator sees.
  const lines: Array<Record<string, any>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  // A cap of 4: reads are shed from 2 in flight, writes from 3, health and intake from 4.
  beforeAll(async () => (sidecar = await startSidecar({ logger, env: { SHED_MAX_IN_FLIGHT: '4' } })));
  afterAll(() => sidecar.close());

  it('sheds reads first, then writes, health last, and never liveness', async () => {
    const held = [1, 2].map((n) => holdRequest(sidecar.url, '/api/incidents', ADMIN_TOKEN, { title: `Held ${n}`, severity: 'low' }));
    await sleep(150); // both are now in flight, waiting for the rest of their bodies

    const refused = await sidecar.call('/api/incidents', { headers: { 'X-Request-Id': 'caller-id-1' } });
    // Refused before the request-id middleware, yet with the caller's id, as every other answer.
    expect(refused.headers.get('x-request-id')).toBe('caller-id-1');
    expect((await refused.clone().json()).error.request_id).toBe('caller-id-1');
    await expectOverloaded(refused, 'in_flight');
    await expectOverloaded(await sidecar.call('/api/services'), 'in_flight');
    const third = holdRequest(sidecar.url, '/api/incidents', ADMIN_TOKEN, { title: 'Held 3', severity: 'low' });
    await sleep(150);
    // Three in flight: a fourth write is refused, health still answers.
    await expectOverloaded(await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'x', severity: 'low' } }), 'in_flight');
    await expectStatus(await sidecar.call('/health/ready', { token: null }), 200);
    await expectStatus(await sidecar.call('/health/live', { token: null }), 200);

    for (const h of [...held, third]) h.finish();
    const answers = await Promise.all([...held, third].map((h) => h.response));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    // Capacity is back: nothing stays counted once the requests are answered.
    await expectStatus(await sidecar.call('/api/incidents'), 200);
    const { items } = await expectStatus(await sidecar.call('/api/incidents'), 200);
    expect(items.map((i: { title: string }) => i.title).sort()).toEqual(['Held 1', 'Held 2', 'Held 3']);

    // Three refusals: counted in metrics, one warning (shedding began), no line per refused request.
    const metrics = await (await sidecar.call('/metrics', { token: null })).text();
    expect(metrics).toMatch(/http_requests_shed_total\{class="read",reason="in_flight"\} 2/);
    expect(metrics).toMatch(/http_requests_shed_total\{class="write",reason="in_flight"\} 1/);
    // ...and among the answers by route and status, like every answer.
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/api\/incidents",status="503"\} 1/);
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/api\/incidents",status="503"\} 1/);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toEqual([expect.objectContaining({ msg: 'load shedding: 1 requests refused with 503 OVERLOADED', shed: 1 })]);
    expect(lines.filter((l) => l.status === 503)).toEqual([]);
  });
});

describe('load shedding on the database queue', () => {
  let sidecar: TestSidecar;
  // One connection, a queue of 4: reads are shed from 2 queued, writes from 3 (the queue's wait is the next test's).
  beforeAll(
    async () => (sidecar = await startSidecar({ env: { DB_POOL_MAX: '1', DB_QUEUE_MAX: '4', SHED_DB_QUEUE_DELAY_MS: '0' } }))
  );
  afterAll(() => sidecar.close());

  it('sheds reads before they do any work once the queue is half full, keeps writes, and admits again when it drains', async () => {
    await expectStatus(await sidecar.call('/api/incidents'), 200); // the token is known and the pool warm
    // Slow queries: one runs, two wait.
    const slow = [0, 1, 2].map(() => sidecar.db.read((sql) => sql`select pg_sleep(0.6)`));
    await sleep(100);
    expect(sidecar.db.policy.queueShare).toBe(0.5);
    await expectOverloaded(await sidecar.call('/api/incidents'), 'database_queue');
    const write = sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Queued write', severity: 'low' } });
    await expectStatus(await sidecar.call('/health/live', { token: null }), 200);
    await Promise.all(slow);
    await expectStatus(await write, 201);
    await expectStatus(await sidecar.call('/api/incidents'), 200);
  });
});

describe('load shedding on the wait in the database queue', () => {
  let sidecar: TestSidecar;
  // One connection, a long queue (its length never decides here): reads are shed once calls wait 100 ms, writes 150 ms.
  beforeAll(
    async () => (sidecar = await startSidecar({ env: { DB_POOL_MAX: '1', DB_QUEUE_MAX: '100', SHED_DB_QUEUE_DELAY_MS: '200' } }))
  );
  afterAll(() => sidecar.close());

  it('sheds reads while every call waits long, though the queue is short, and admits again once it drains', async () => {
    await expectStatus(await sidecar.call('/api/incidents'), 200);
    // Back-to-back 300 ms queries: each one after the first waits 300 ms or more, a standing queue of one or two.
    const slow = [0, 1, 2, 3].map(() => sidecar.db.read((sql) => sql`select pg_sleep(0.3)`));
    await sleep(750); // two have started after waiting, over more than one 100 ms interval
    expect(sidecar.db.policy.queueShare).toBeLessThan(0.05);
    expect(sidecar.db.policy.queueDelayMs).toBeGreaterThanOrEqual(250);
    await expectOverloaded(await sidecar.call('/api/incidents'), 'database_queue');
    await expectStatus(await sidecar.call('/health/ready', { token: null }), 200); // critical: never shed on it
    await Promise.all(slow);
    await sleep(250); // an interval with nothing waiting
    expect(sidecar.db.policy.queueDelayMs).toBe(0);
    await expectStatus(await sidecar.call('/api/incidents'), 200);
  });
});

describe('the shedding summary', () => {
  afterEach(() => vi.useRealTimers());

  it('reports the first refusal at once, then one line per interval with the counts, and stops when shedding stops', () => {
    vi.useFakeTimers();
    const lines: Array<Record<string, any>> = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const counted: string[] = [];
    const onShed = shedReporter(logger, (l) => counted.push(`${l.class}:${l.reason}`), 10_000);

    for (let n = 0; n < 1000; n++) onShed(n % 4 ? 'read' : 'write', 'event_loop_delay');
    expect(counted).toHaveLength(1000);
    expect(lines.map((l) => l.shed)).toEqual([1]);
    vi.advanceTimersByTime(10_000);
    expect(lines.map((l) => l.shed)).toEqual([1, 999]);
    expect(lines[1]!.by).toEqual({ 'read:event_loop_delay': 750, 'write:event_loop_delay': 249 });
    vi.advanceTimersByTime(30_000); // quiet: no more lines, the episode is over
    expect(lines).toHaveLength(2);
    onShed('critical', 'in_flight');
    expect(lines.map((l) => l.shed)).toEqual([1, 999, 1]);
  });
});

describe('load shedding on event-loop delay', () => {
  let sidecar: TestSidecar;
  // 400 ms for critical routes: reads are shed from a 200 ms mean delay, writes from 300 ms.
  beforeAll(async () => (sidecar = await startSidecar({ env: { SHED_EVENT_LOOP_DELAY_MS: '400' } })));
  afterAll(() => sidecar.close());

  /** Keeps this process's event loop busy in slices (the sidecar shares it), like a CPU-bound backlog. */
  function hogEventLoop(sliceMs: number): () => void {
    let isRunning = true;
    const slice = () => {
      const until = Date.now() + sliceMs;
      while (Date.now() < until) {
        // busy: nothing else runs on this thread meanwhile
      }
      if (isRunning) setImmediate(slice);
    };
    setImmediate(slice);
    return () => (isRunning = false);
  }

  it('sheds reads while the loop lags, keeps writes and health, and recovers when it catches up', async () => {
    await expectStatus(await sidecar.call('/api/incidents'), 200); // starts the monitor
    // 225 ms slices: at least 215 ms of delay per turn (a slice cannot be cut short), past the reads' 200; a busy
    // machine only adds to it, and the writes' 300 leaves room for that.
    const stop = hogEventLoop(225);
    try {
      // The reading covers the last complete half-second window: wait for one taken while the loop lagged.
      let read = await sidecar.call('/api/incidents');
      for (const deadline = Date.now() + 5000; read.status === 200 && Date.now() < deadline; ) {
        await read.text();
        read = await sidecar.call('/api/incidents');
      }
      await expectOverloaded(read, 'event_loop_delay');
      await expectStatus(await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'During lag', severity: 'high' } }), 201);
      await expectStatus(await sidecar.call('/health', { token: null }), 200);
    } finally {
      stop();
    }
    await sleep(1200);
    await expectStatus(await sidecar.call('/api/incidents'), 200);
  });
});
