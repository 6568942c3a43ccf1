/**
 * The `fanout` benchmark's WebSocket clients, in their own process (forked by bench/fanout.ts, driven over IPC) so
 * that receiving does not share an event loop with either server. Each client records the seq of every event it
 * receives and when (process.hrtime: the same monotonic clock as the parent's).
 */
import WebSocket from 'ws';

export type ClientsCommand =
  | { type: 'connect'; url: string; headers: Record<string, string>; count: number; subscribe: boolean }
  | { type: 'await'; deliveries: number; timeoutMs: number }
  | { type: 'report'; commitAt: Record<number, number> }
  | { type: 'reset' }
  | { type: 'close' };

export type ClientsReply =
  | { type: 'connected'; count: number }
  | { type: 'received'; deliveries: number; isComplete: boolean }
  | { type: 'report'; deliveries: number; firstAt: number; lastAt: number; latency: LatencySummary; closed: number }
  | { type: 'reset' }
  | { type: 'closed' };

/** Milliseconds from the commit (the parent heard its NOTIFY) to receipt, over every delivery. */
export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

// CLOCK_MONOTONIC: the same clock in every process on this machine (performance.timeOrigin is not, across processes).
const now = () => Number(process.hrtime.bigint()) / 1e6;
const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
const SEQ = /"seq"\s*:\s*(\d+)/;

let sockets: WebSocket[] = [];
let seqs: number[] = [];
let times: number[] = [];
let closedEarly = 0;
let onMessage = () => {};

const reply = (message: ClientsReply) => process.send!(message);

async function connect(url: string, headers: Record<string, string>, count: number, subscribe: boolean): Promise<void> {
  seqs = [];
  times = [];
  closedEarly = 0;
  const open = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      let isSubscribed = false;
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      ws.on('message', (data: Buffer) => {
        const at = now();
        if (subscribe && !isSubscribed && data.includes('"subscribed"')) {
          isSubscribed = true;
          resolve(ws);
          return;
        }
        // Only the head of the message is read: both servers send `{"type":"event","seq":n,...}` (the sidecar's as
        // Postgres spells it), so this costs the same for both.
        const seq = SEQ.exec(data.toString('latin1', 0, 64))?.[1];
        if (seq === undefined) return;
        seqs.push(Number(seq));
        times.push(at);
        onMessage();
      });
      ws.once('open', () => {
        // Counted as connected once the server confirmed the subscription, so the burst finds everyone listening.
        if (subscribe) ws.send(JSON.stringify({ type: 'subscribe', topics: ['incidents'] }));
        else resolve(ws);
      });
      ws.once('error', reject);
      ws.on('close', () => closedEarly++);
    });
  // A few hundred at a time: the server's accept queue and the auth path see a realistic reconnect storm, not 2,000 SYNs.
  for (let i = 0; i < count; i += 200) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(200, count - i) }, open))));
  }
}

process.on('message', (command: ClientsCommand) => {
  void (async () => {
    if (command.type === 'connect') {
      await connect(command.url, command.headers, command.count, command.subscribe);
      reply({ type: 'connected', count: sockets.length });
    } else if (command.type === 'await') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, command.timeoutMs);
        onMessage = () => {
          if (seqs.length >= command.deliveries) {
            clearTimeout(timer);
            resolve();
          }
        };
        onMessage();
      });
      onMessage = () => {};
      reply({ type: 'received', deliveries: seqs.length, isComplete: seqs.length >= command.deliveries });
    } else if (command.type === 'report') {
      const latencies = Float64Array.from(
        seqs.map((seq, i) => times[i]! - (command.commitAt[seq] ?? NaN)).filter((x) => !Number.isNaN(x))
      ).sort();
      reply({
        type: 'report',
        deliveries: seqs.length,
        firstAt: times[0] ?? NaN,
        lastAt: times.at(-1) ?? NaN,
        latency: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? NaN },
        closed: closedEarly,
      });
    } else if (command.type === 'reset') {
      seqs = [];
      times = [];
      reply({ type: 'reset' });
    } else if (command.type === 'close') {
      for (const ws of sockets) ws.terminate();
      sockets = [];
      reply({ type: 'closed' });
    }
  })();
});
