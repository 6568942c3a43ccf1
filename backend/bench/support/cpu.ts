/**
 * CPU time by role (the sidecar's process tree, the Postgres server, this load generator), read from Linux's
 * /proc: on a shared two-core machine a throughput figure means little without knowing who spent the cores.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

interface ProcessStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in seconds. */
  cpuS: number;
}

function readProcesses(): ProcessStat[] {
  const stats: ProcessStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited between the listing and the read
    }
    // comm may hold spaces or parentheses: the fields after it start past the last ')'.
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    stats.push({
      pid: Number(entry),
      ppid: Number(fields[1]),
      comm: text.slice(text.indexOf('(') + 1, close),
      cpuS: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    });
  }
  return stats;
}

function treeOf(root: number, stats: ProcessStat[]): Set<number> {
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) {
      if (!tree.has(s.pid) && tree.has(s.ppid)) {
        tree.add(s.pid);
        grew = true;
      }
    }
  }
  return tree;
}

export type Role = 'sidecar' | 'postgres' | 'generator';
export type CpuSpent = Record<Role, number>;
/** Cumulative CPU seconds per process, with its role. */
export type CpuSample = Map<number, { role: Role; cpuS: number }>;

/**
 * The sidecar (the process tree under `sidecarPid`), every `postgres` process (the server and its backends: the
 * machine's only Postgres during a bench) and this process.
 */
export function sampleCpu(sidecarPid: number | undefined): CpuSample {
  const stats = readProcesses();
  const sidecar = sidecarPid === undefined ? new Set<number>() : treeOf(sidecarPid, stats);
  const sample: CpuSample = new Map();
  for (const s of stats) {
    const role: Role | null = sidecar.has(s.pid)
      ? 'sidecar'
      : s.comm === 'postgres'
        ? 'postgres'
        : s.pid === process.pid
          ? 'generator'
          : null;
    if (role) sample.set(s.pid, { role, cpuS: s.cpuS });
  }
  return sample;
}

/** CPU seconds spent per role between two samples, by processes alive at the second (per pid, so one that exited or started in between does not skew the sum). */
export function cpuSpent(from: CpuSample, to: CpuSample): CpuSpent {
  const spent: CpuSpent = { sidecar: 0, postgres: 0, generator: 0 };
  for (const [pid, { role, cpuS }] of to) spent[role] += cpuS - (from.get(pid)?.cpuS ?? 0);
  return spent;
}
