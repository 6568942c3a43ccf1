/**
 * Everything an experiment started, so that an abort, a failure, Ctrl-C or the runner's own exit leaves nothing
 * running: processes (by pid, or by process group for a detached sidecar with its embedded Postgres) and cleanup
 * steps (stop a proxy, unmount a tmpfs). Cleanup runs the steps last-in first-out, each bounded in time, then
 * SIGKILLs whatever tracked process is still alive.
 */

interface Tracked {
  label: string;
  /** Kill the whole process group (the pid leads it: spawned detached). */
  group: boolean;
}

const STEP_TIMEOUT_MS = 15_000;

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export class ProcessRegistry {
  private readonly processes = new Map<number, Tracked>();
  private readonly steps: Array<{ label: string; run: () => Promise<void> }> = [];

  /** Tracks a process to kill at cleanup if it is still alive then. */
  track(pid: number, label: string, options: { group?: boolean } = {}): void {
    this.processes.set(pid, { label, group: options.group ?? false });
  }

  /** Adds a cleanup step; steps run in reverse order of adding. */
  defer(label: string, run: () => Promise<void>): void {
    this.steps.push({ label, run });
  }

  /**
   * Runs every step (a failing or hanging step is reported, not fatal), then SIGKILLs the tracked processes still
   * alive. Resolves with what went wrong and the processes that had to be killed (ideally nothing).
   */
  async cleanup(): Promise<{ problems: string[]; killed: string[] }> {
    const problems: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
      });
      try {
        await Promise.race([step.run(), timeout]);
      } catch (err) {
        problems.push(`${step.label}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
    const killed = this.killAllNow();
    // SIGKILL is asynchronous for the kernel too: wait (briefly) until they are really gone.
    const deadline = Date.now() + 5000;
    while ([...this.processes.keys()].some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const survivors = [...this.processes.entries()].filter(([pid]) => isAlive(pid)).map(([pid, t]) => `${t.label} (${pid})`);
    if (survivors.length) problems.push(`still running after SIGKILL: ${survivors.join(', ')}`);
    this.processes.clear();
    return { problems, killed };
  }

  /** Synchronous last resort (process 'exit', a second Ctrl-C): SIGKILL every tracked process still alive. */
  killAllNow(): string[] {
    const killed: string[] = [];
    for (const [pid, { label, group }] of this.processes) {
      if (!isAlive(pid)) continue;
      try {
        process.kill(group ? -pid : pid, 'SIGKILL');
        killed.push(`${label} (${pid})`);
      } catch {
        // Gone in the meantime.
      }
    }
    return killed;
  }
}
