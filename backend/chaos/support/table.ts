import type { ExperimentResult } from './experiment.js';

const wrap = (text: string, width: number): string[] => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
};

/**
 * The run's summary as a plain-text table: experiment, hypothesis, measured figures (one per check), verdict.
 * Long cells wrap inside their column so it reads in a terminal and pastes into the README as is.
 */
export function formatTable(results: ExperimentResult[]): string {
  const widths = [14, 44, 70, 8];
  const rows: string[][][] = results.map((r) => [
    [r.name],
    wrap(r.hypothesis, widths[1]!),
    [...r.checks.flatMap((c) => wrap(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.measured}`, widths[2]!)), ...r.notes.flatMap((n) => wrap(n, widths[2]!))],
    [r.verdict.toUpperCase()],
  ]);
  const header = ['experiment', 'hypothesis', 'measured', 'verdict'];
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  const out = [line(header), rule];
  for (const row of rows) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let i = 0; i < height; i++) out.push(line(row.map((cell) => cell[i] ?? '')));
    out.push(rule);
  }
  return out.join('\n');
}
