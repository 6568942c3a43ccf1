/**
 * The game days: `npm run chaos` (all eight) or `npm run chaos -- postgres-kill overload` (some; `--short` for the small settings), against real
 * processes on this machine. Each experiment states its hypothesis, runs inside its abort switch (load bound,
 * time bound), cleans up everything it started, and is judged on what was measured. Prints a table; exits 1 when a
 * verdict is not `pass`. CHAOS_MAX_LOAD changes the load bound (default 5× the cores).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { defaultMaxLoad, type LoadGuard } from './support/guard.js';
import { runExperiment, type Experiment, type ExperimentResult } from './support/experiment.js';
import type { ProcessRegistry } from './support/registry.js';
import { formatTable } from './support/table.js';

type Entry = () => Promise<{ experiment: Experiment<any>; full: unknown; short: unknown }>;

const EXPERIMENTS: Record<string, Entry> = {
  'postgres-kill': async () => {
    const m = await import('./postgres-kill.js');
    return { experiment: m.postgresKill, full: m.FULL, short: m.SHORT };
  },
  latency: async () => {
    const m = await import('./latency.js');
    return { experiment: m.latency, full: m.FULL, short: m.SHORT };
  },
  'replica-kill': async () => {
    const m = await import('./replica-kill.js');
    return { experiment: m.replicaKill, full: m.FULL, short: m.SHORT };
  },
  sigterm: async () => {
    const m = await import('./sigterm.js');
    return { experiment: m.sigterm, full: m.FULL, short: m.SHORT };
  },
  overload: async () => {
    const m = await import('./overload.js');
    return { experiment: m.overload, full: m.FULL, short: m.SHORT };
  },
  'disk-full': async () => {
    const m = await import('./disk-full.js');
    return { experiment: m.diskFull, full: m.FULL, short: m.SHORT };
  },
  'notify-outage': async () => {
    const m = await import('./notify-outage.js');
    return { experiment: m.notifyOutage, full: m.FULL, short: m.SHORT };
  },
  'replica-kill-escalation': async () => {
    const m = await import('./replica-kill-escalation.js');
    return { experiment: m.replicaKillEscalation, full: m.FULL, short: m.SHORT };
  },
};

/** The experiment running now, so Ctrl-C can abort it and clean up; a second Ctrl-C kills everything at once. */
let current: { guard: LoadGuard; registry: ProcessRegistry } | undefined;
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts++;
    if (interrupts === 1 && current) {
      console.error(`\n${signal}: aborting the experiment and cleaning up (again to kill everything now)`);
      current.guard.abort(`${signal} received`);
      return;
    }
    current?.registry.killAllNow();
    process.exit(130);
  });
}
// Whatever happens, no child outlives the runner.
process.on('exit', () => current?.registry.killAllNow());

async function main(args: string[]): Promise<number> {
  // --short: the small settings (as in test/chaos-short.test.ts), for a quick look.
  const isShort = args.includes('--short');
  const names = args.filter((a) => a !== '--short');
  const unknown = names.filter((n) => !(n in EXPERIMENTS));
  if (unknown.length) {
    console.error(`unknown experiment ${unknown.join(', ')}; known: ${Object.keys(EXPERIMENTS).join(', ')}`);
    return 2;
  }
  const selected = names.length ? names : Object.keys(EXPERIMENTS);
  const cpu = cpus();
  const maxLoad = defaultMaxLoad();
  console.log(
    `${new Date().toISOString()}  node ${process.version}  ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'})  ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB  ${process.platform}  load ${loadavg().map((l) => l.toFixed(1)).join(' ')}  ` +
      `abort above load ${maxLoad}`
  );
  const results: ExperimentResult[] = [];
  for (const name of selected) {
    if (interrupts > 0) break;
    const { experiment, full, short } = await EXPERIMENTS[name]!();
    const settings = isShort ? short : full;
    console.log(`\n${name}: ${experiment.hypothesis}`);
    const result = await runExperiment(experiment, settings, {
      maxLoad,
      log: (line) => console.log(line),
      onStart: (guard, registry) => (current = { guard, registry }),
    });
    current = undefined;
    for (const c of result.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.measured}`);
    for (const note of result.notes) console.log(`  note: ${note}`);
    console.log(`  => ${result.verdict} in ${result.durationS.toFixed(0)} s (peak load ${result.peakLoad.toFixed(1)})`);
    results.push(result);
  }
  console.log(`\n${formatTable(results)}`);
  return results.every((r) => r.verdict === 'pass') && results.length === selected.length ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  }
);
