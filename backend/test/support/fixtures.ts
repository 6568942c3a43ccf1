/**
 * The real payload captures the contract tests read unchanged (README: "Fixtures"): Loki, Tempo, Alertmanager and
 * Grafana answers. They are kept outside the repository, in the fixture set laid beside its checkout;
 * STUDIO_FIXTURES_DIR points elsewhere.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (backend/test/support/../../..). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const FIXTURES_DIR = process.env.STUDIO_FIXTURES_DIR ?? resolve(REPO_ROOT, '../shared/fixtures');

/** A fixture file's bytes as text, exactly as stored (e.g. `loki/loki-matrix-nan.json`). */
export function fixture(name: string): string {
  return readFileSync(resolve(FIXTURES_DIR, name), 'utf8');
}
