/**
 * `fanout`: 2,000 WebSocket clients (in their own process) subscribed to `incidents` on the sidecar, and a burst of
 * incident updates written through the API (PATCH /api/incidents/:id). Reports deliveries/s and the latency from
 * commit (when this process hears the transaction's NOTIFY) to receipt, p50/p99.
 * Baseline, same run, same clients: a bare ws server broadcasting the same serialized messages (read back from the
 * outbox as the sidecar sent them). Target: >= 70 % of the bare deliveries/s, and p99 commit-to-receipt < 250 ms.
 * Then the cross-replica cost: clients on replica B while writes go through replica A, against clients on A.
 */
import { fork, type ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { EVENT_MESSAGE_SQL } from '../src/live/outbox.js';
import { createSql } from '../src/store/db.js';
import { EVENTS_CHANNEL } from '../src/store/events.js';
import { createIncident } from '../src/store/incidents.js';
import { migrate } from '../src/store/migrate.js';
import type { ClientsCommand, ClientsReply, LatencySummary } from './fanout-clients.js';
import type { BenchContext } from './run.js';
import { startServerProcess, type ServerProcess } from './support/load.js';

const TARGET_RATIO = 0.7;
const TARGET_P99_MS = 250;
const TOKEN = 'bench-admin-token-0123456789';
// CLOCK_MONOTONIC: the same clock in every process on this machine (performance.timeOrigin is not, across processes).
const now = () => Number(process.hrtime.bigint()) / 1e6;

const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

/** The clients process and a request/reply helper over its IPC channel. */
function startClients(): { ask<T extends ClientsReply['type']>(c: ClientsCommand, expect: T): Promise<Extract<ClientsReply, { type: T }>>; stop(): void } {
  const child: ChildProcess = fork(new URL('./fanout-clients.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return {
    ask: (command, expect) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`clients process exited (${code})`));
        child.once('exit', onExit);
        child.once('message', (reply: ClientsReply) => {
          child.off('exit', onExit);
          if (reply.type === expect) resolve(reply as never);
          else reject(new Error(`clients answered ${reply.type}, expected ${expect}`));
        });
        child.send(command);
      }),
    stop: () => child.kill(),
  };
}

// Every update gets a new title, across calls: a PATCH that changes nothing writes no event.
let written = 0;

/** PATCHes through the API, one writer per incident (so no update conflicts), `total` in all. */
async function writeUpdates(url: string, incidents: string[], total: number): Promise<void> {
  let left = total;
  await Promise.all(
    incidents.map(async (id) => {
      let version = Number((await api(url, `/api/incidents/${id}`)).version);
      while (left > 0) {
        left--;
        const n = written++;
        const body = await api(url, `/api/incidents/${id}`, { method: 'PATCH', body: { version, title: `Checkout latency (update ${n})` } });
        version = Number(body.version);
      }
    })
  );
}

async function api(url: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url + path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-grafana-user': 'bench' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const wsUrl = (server: ServerProcess, path = '/live') => server.url.replace(/^http/, 'ws') + path;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const rate = (x: number) => `${Math.round(x).toLocaleString('en')}/s`;

interface Round {
  sidecar: number;
  bare: number;
  corked: number;
  p50: number;
  p99: number;
  writesPerS: number;
  isComplete: boolean;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  const clientsCount = int('BENCH_FANOUT_CLIENTS', 2000);
  const updates = int('BENCH_FANOUT_UPDATES', 200);
  const writers = int('BENCH_FANOUT_WRITERS', 8);
  const rounds = int('BENCH_ROUNDS', 3);
  const crossClients = int('BENCH_FANOUT_CROSS_CLIENTS', 200);

  const sql = createSql({ url: database.url, poolMax: 2, statementTimeoutMs: 10_000 });
  await migrate(sql);
  const incidents: string[] = [];
  for (let i = 0; i < writers; i++) {
    const incident = await createIncident(sql, { title: `Checkout latency ${i}`, severity: 'high' }, { name: 'bench', source: 'system' });
    incidents.push(incident.id);
  }
  // Commit time of every outbox seq: the NOTIFY is sent at commit, and this connection hears it then.
  const commitAt = new Map<number, number>();
  const listener = postgres(database.url, { max: 1, onnotice: () => {} });
  await listener.listen(EVENTS_CHANNEL, (seq) => commitAt.set(Number(seq), now()));

  const env = { BENCH_DATABASE_URL: database.url, STUDIO_ADMIN_TOKEN: TOKEN };
  const [a, bare] = await Promise.all([
    startServerProcess('bench/fanout-server.ts', ['sidecar'], env),
    startServerProcess('bench/fanout-server.ts', ['bare'], {}),
  ]);
  const servers: ServerProcess[] = [a, bare];
  const clients = startClients();
  const auth = { authorization: `Bearer ${TOKEN}` };

  /** One measured burst through the sidecar; returns the messages it sent, for the baselines to send. */
  const sidecarBurst = async () => {
    await clients.ask({ type: 'connect', url: wsUrl(a), headers: auth, count: clientsCount, subscribe: true }, 'connected');
    const [{ max: before }] = (await sql`select coalesce(max(seq), 0)::bigint as max from events`) as unknown as [{ max: string }];
    const writeStart = now();
    await writeUpdates(a.url, incidents, updates);
    const writesPerS = updates / ((now() - writeStart) / 1000);
    const received = await clients.ask({ type: 'await', deliveries: clientsCount * updates, timeoutMs: 120_000 }, 'received');
    const burst = await sql<{ seq: string; message: string }[]>`
      select seq::text, ${sql.unsafe(EVENT_MESSAGE_SQL)} as message from events
      where seq > ${before} and topic = 'incidents' order by events.seq`;
    const result = await clients.ask({ type: 'report', commitAt: Object.fromEntries(commitAt) }, 'report');
    await clients.ask({ type: 'close' }, 'closed');
    const firstCommit = Math.min(...burst.map((r) => commitAt.get(Number(r.seq)) ?? Infinity));
    return {
      rate: result.deliveries / ((result.lastAt - firstCommit) / 1000),
      latency: result.latency,
      writesPerS,
      isComplete: received.isComplete && result.closed === 0,
      messages: burst.map((r) => r.message).join('\n'),
    };
  };

  /** The same messages from the bare server to the same number of clients: deliveries/s from its first send. */
  const broadcast = async (messages: string, corked: boolean) => {
    await clients.ask({ type: 'connect', url: wsUrl(bare, '/'), headers: {}, count: clientsCount, subscribe: false }, 'connected');
    const res = await fetch(`${bare.url}/broadcast${corked ? '?corked' : ''}`, { method: 'POST', body: messages });
    const { startedAt } = (await res.json()) as { startedAt: number };
    await clients.ask({ type: 'await', deliveries: clientsCount * updates, timeoutMs: 120_000 }, 'received');
    const result = await clients.ask({ type: 'report', commitAt: {} }, 'report');
    await clients.ask({ type: 'close' }, 'closed');
    return result.deliveries / ((result.lastAt - startedAt) / 1000);
  };

  try {
    report(
      `  ${clientsCount} clients in their own process, subscribed to incidents; ${updates} PATCHes from ${writers} writers per burst; ` +
        `${rounds} rounds, each: sidecar, bare ws (the ws README broadcast: each message to every client in turn), ` +
        `bare ws corked (each client's messages in one write)`
    );
    // Warm-up: JIT, pools, prepared statements.
    await clients.ask({ type: 'connect', url: wsUrl(a), headers: auth, count: clientsCount, subscribe: true }, 'connected');
    await writeUpdates(a.url, incidents, 20);
    await clients.ask({ type: 'await', deliveries: clientsCount * 20, timeoutMs: 30_000 }, 'received');
    await clients.ask({ type: 'close' }, 'closed');

    const results: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const live = await sidecarBurst();
      const round: Round = {
        sidecar: live.rate,
        bare: await broadcast(live.messages, false),
        corked: await broadcast(live.messages, true),
        p50: live.latency.p50,
        p99: live.latency.p99,
        writesPerS: live.writesPerS,
        isComplete: live.isComplete,
      };
      results.push(round);
      report(
        `  round ${r + 1}: sidecar ${rate(round.sidecar)} (commit→receipt p50 ${ms(round.p50)}, p99 ${ms(round.p99)}, ` +
          `${Math.round(round.writesPerS)} PATCH/s${round.isComplete ? '' : ', INCOMPLETE'}), bare ${rate(round.bare)}, corked ${rate(round.corked)}`
      );
    }
    const pick = (key: keyof Omit<Round, 'isComplete'>) => median(results.map((x) => x[key]));
    const ratio = pick('sidecar') / pick('bare');
    const isOk = results.every((x) => x.isComplete) && ratio >= TARGET_RATIO && pick('p99') < TARGET_P99_MS;
    report(
      `  median: sidecar ${rate(pick('sidecar'))} deliveries, bare ${rate(pick('bare'))}, corked ${rate(pick('corked'))}; ` +
        `commit→receipt p50 ${ms(pick('p50'))}, p99 ${ms(pick('p99'))}`
    );
    report(
      `  sidecar / bare = ${(ratio * 100).toFixed(1)} % (target ${TARGET_RATIO * 100} %), sidecar / corked = ` +
        `${((pick('sidecar') / pick('corked')) * 100).toFixed(1)} %; p99 ${ms(pick('p99'))} (target < ${TARGET_P99_MS} ms): ` +
        `${isOk ? 'meets' : 'MISSES'} the targets`
    );
    report(
      `  (the sidecar delivers as fast as the burst is written, ${Math.round(pick('writesPerS'))} PATCH/s through the API on the ` +
        `same cores; the bare servers are handed the whole burst at once)`
    );

    const cross = await crossReplica(env, a, incidents, crossClients, commitAt);
    servers.push(cross.server);
    report(
      `  across replicas (${crossClients} clients on each; writes through A, paced): on A p50 ${ms(cross.onA.p50)} p99 ${ms(cross.onA.p99)}; ` +
        `on B p50 ${ms(cross.onB.p50)} p99 ${ms(cross.onB.p99)}; extra p50 ${ms(cross.onB.p50 - cross.onA.p50)}, p99 ${ms(cross.onB.p99 - cross.onA.p99)}`
    );
    return { ok: isOk };
  } finally {
    clients.stop();
    await listener.end({ timeout: 1 });
    await sql.end({ timeout: 1 });
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/**
 * The same kind of updates written through replica A at a steady pace (no queueing, so only the path differs), with
 * clients on A and on replica B (another process on the same database, hearing the same NOTIFY).
 */
async function crossReplica(
  env: Record<string, string>,
  a: ServerProcess,
  incidents: string[],
  count: number,
  commitAt: Map<number, number>
): Promise<{ server: ServerProcess; onA: LatencySummary; onB: LatencySummary }> {
  const b = await startServerProcess('bench/fanout-server.ts', ['sidecar'], env);
  const [onA, onB] = [startClients(), startClients()];
  const auth = { authorization: `Bearer ${TOKEN}` };
  const paced = 100;
  try {
    await Promise.all([
      onA.ask({ type: 'connect', url: wsUrl(a), headers: auth, count, subscribe: true }, 'connected'),
      onB.ask({ type: 'connect', url: wsUrl(b), headers: auth, count, subscribe: true }, 'connected'),
    ]);
    for (let i = 0; i < paced; i++) {
      await writeUpdates(a.url, incidents.slice(0, 1), 1);
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all([onA, onB].map((c) => c.ask({ type: 'await', deliveries: count * paced, timeoutMs: 30_000 }, 'received')));
    const table = Object.fromEntries(commitAt);
    const [ra, rb] = await Promise.all([onA, onB].map((c) => c.ask({ type: 'report', commitAt: table }, 'report')));
    return { server: b, onA: ra!.latency, onB: rb!.latency };
  } finally {
    onA.stop();
    onB.stop();
  }
}
