/**
 * Runs the sidecar's benchmarks: `npm run bench` (all) or `npm run bench -w backend -- overhead`.
 * Each benchmark is one file exporting `run(context)`; add it to BENCHMARKS. They share one database server
 * (DATABASE_URL, else an embedded PostgreSQL in a temporary folder), each on a fresh database.
 */
import { cpus, totalmem } from 'node:os';
import { openBenchDatabase, type BenchDatabase } from './support/database.js';

export interface BenchContext {
  database: BenchDatabase;
  report(line: string): void;
}

type Benchmark = { run(context: BenchContext): Promise<{ ok: boolean }> };

const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  overhead: () => import('./overhead.js'),
  intake: () => import('./intake.js'),
  fanout: () => import('./fanout.js'),
  ui: () => import('./ui.js'),
  correlate: () => import('./correlate.js'),
  oncall: () => import('./oncall.js'),
  notify: () => import('./notify.js'),
  lists: () => import('./lists.js'),
  escalate: () => import('./escalate.js'),
};

async function main(names: string[]): Promise<number> {
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    return 2;
  }
  const selected = names.length ? names : Object.keys(BENCHMARKS);
  const cpu = cpus();
  console.log(
    `${new Date().toISOString()}  node ${process.version}  ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'})  ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB  ${process.platform}`
  );
  let failed = 0;
  for (const name of selected) {
    const database = await openBenchDatabase();
    try {
      console.log(`${name} (PostgreSQL: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'}, ${database.serverVersion})`);
      const { ok } = await (await BENCHMARKS[name]!()).run({ database, report: (line) => console.log(line) });
      if (!ok) failed++;
    } finally {
      await database.close();
    }
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  }
);
