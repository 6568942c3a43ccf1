import { loadavg } from 'node:os';
import { AbortedError, defaultMaxLoad, LoadGuard } from './guard.js';
import { ProcessRegistry } from './registry.js';

/** One compared expectation: what was measured against what the hypothesis says. */
export interface Check {
  name: string;
  ok: boolean;
  /** The measured figure(s) behind the verdict, e.g. "recovery 1.2 s (< 5 s)". */
  measured: string;
}

export interface ExperimentContext {
  guard: LoadGuard;
  registry: ProcessRegistry;
  /** A progress line (the runner prints it; the vitest version keeps it quiet unless CHAOS_VERBOSE). */
  log(line: string): void;
}

export interface Experiment<Settings> {
  name: string;
  hypothesis: string;
  /** Upper bound on the run, past which the guard aborts it. */
  timeLimitMs(settings: Settings): number;
  run(context: ExperimentContext, settings: Settings): Promise<Check[]>;
}

export type Verdict = 'pass' | 'fail' | 'aborted' | 'error';

export interface ExperimentResult {
  name: string;
  hypothesis: string;
  verdict: Verdict;
  checks: Check[];
  /** Why it aborted or errored; cleanup problems too. */
  notes: string[];
  durationS: number;
  peakLoad: number;
}

/**
 * Runs one experiment inside its abort switch (load guard and time bound) and its own process registry, and
 * always cleans up: whatever it started is stopped (or killed) before this resolves, pass or fail.
 */
export async function runExperiment<Settings>(
  experiment: Experiment<Settings>,
  settings: Settings,
  options: {
    maxLoad?: number;
    log?: (line: string) => void;
    onStart?: (guard: LoadGuard, registry: ProcessRegistry) => void;
    /** Before starting, wait up to this long for the load to drop under the bound (a shared machine has bursts). */
    calmWaitMs?: number;
  } = {}
): Promise<ExperimentResult> {
  const maxLoad = options.maxLoad ?? defaultMaxLoad();
  const calmBy = Date.now() + (options.calmWaitMs ?? 120_000);
  if ((loadavg()[0] ?? 0) > maxLoad) options.log?.(`  [${experiment.name}] load ${loadavg()[0]?.toFixed(1)} above ${maxLoad}: waiting for it to drop`);
  while ((loadavg()[0] ?? 0) > maxLoad && Date.now() < calmBy) await new Promise((r) => setTimeout(r, 2000));
  const started = Date.now();
  const guard = new LoadGuard({ maxLoad, timeLimitMs: experiment.timeLimitMs(settings) });
  const registry = new ProcessRegistry();
  options.onStart?.(guard, registry);
  const log = options.log ?? (() => {});
  let checks: Check[] = [];
  const notes: string[] = [];
  let verdict: Verdict;
  try {
    const running = experiment.run({ guard, registry, log: (line) => log(`  [${experiment.name}] ${line}`) }, settings);
    // After an abort the run goes on failing in the background until cleanup stops its processes: not news.
    running.catch(() => {});
    checks = await guard.race(running);
    verdict = checks.length > 0 && checks.every((c) => c.ok) ? 'pass' : 'fail';
  } catch (err) {
    if (err instanceof AbortedError) {
      verdict = 'aborted';
      notes.push(`aborted: ${err.reason}`);
    } else {
      verdict = 'error';
      notes.push(`error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 2000));
    }
  } finally {
    guard.stop();
  }
  // Any abort makes the experiment's own loops stop; give them a moment, then tear everything down.
  guard.abort('cleanup');
  const { problems, killed } = await registry.cleanup();
  notes.push(...problems.map((p) => `cleanup: ${p}`));
  if (killed.length) notes.push(`killed at cleanup: ${killed.join(', ')}`);
  return {
    name: experiment.name,
    hypothesis: experiment.hypothesis,
    verdict,
    checks,
    notes,
    durationS: (Date.now() - started) / 1000,
    peakLoad: guard.peakLoad,
  };
}

/** A check helper: `ok` with the measured text. */
export const check = (name: string, ok: boolean, measured: string): Check => ({ name, ok, measured });
