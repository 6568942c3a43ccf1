import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../src/domain/tokens.js';
import { createSql } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createTestDatabase, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const BACKEND = fileURLToPath(new URL('..', import.meta.url));
const TSX = path.join(BACKEND, '..', 'node_modules', '.bin', 'tsx');

let databaseUrl: string;
let drop: () => Promise<void>;
let sidecar: TestSidecar;

/** Runs the CLI as an operator would, against the test database. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['src/cli.ts', ...args], {
      cwd: BACKEND,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  const db = await createTestDatabase();
  ({ url: databaseUrl, drop } = db);
  const setup = createSql({ url: databaseUrl, poolMax: 1, statementTimeoutMs: 5000 });
  await migrate(setup);
  await setup.end();
  sidecar = await startSidecar({ databaseUrl });
});
afterAll(async () => {
  await sidecar.close();
  await drop();
});

describe('npm run tokens', () => {
  it('creates a token that the running sidecar accepts, printing only the token on stdout', { timeout: 60_000 }, async () => {
    const created = await cli('create', 'nightly-report', 'viewer');
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^rs_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/cannot be shown again/);
    await expectStatus(await sidecar.call('/api/incidents', { token }), 200);
    // A viewer: reading works, writing does not.
    await expectStatus(await sidecar.call('/api/incidents', { method: 'POST', token, json: { title: 't', severity: 'low' } }), 403);

    const list = await cli('list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+CREATED\s+LAST USED\s+REVOKED$/m);
    expect(list.stdout).toMatch(/nightly-report\s+viewer\s+\S+Z\s+\S+Z\s+-/); // used once, not revoked
    expect(list.stdout).not.toContain(token);

    const revoked = await cli('revoke', 'nightly-report');
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toMatch(/revoked "nightly-report"/);
    await expectStatus(await sidecar.call('/api/incidents', { token }), 401);
    const [event] = await sidecar.sql`select actor from events where type = 'token.revoked'`;
    expect(event!.actor).toMatch(/^cli:/);
  });

  it('revokes by id too, and refuses unknown tokens, taken names, bad roles and bad commands', { timeout: 60_000 }, async () => {
    const { token } = await expectStatus(await sidecar.call('/api/tokens', { method: 'POST', json: { name: 'by-id', role: 'editor' } }), 201);
    const [{ id }] = (await expectStatus(await sidecar.call('/api/tokens'), 200)).items.filter((t: { name: string }) => t.name === 'by-id');
    expect((await cli('revoke', id)).code).toBe(0);
    await expectStatus(await sidecar.call('/api/incidents', { token }), 401);

    const [unknown, taken, badRole, badName, nonsense] = await Promise.all([
      cli('revoke', 'no-such-token'),
      cli('create', 'by-id', 'viewer'),
      cli('create', 'someone', 'owner'),
      cli('create', 'admin', 'admin'),
      cli('frobnicate'),
    ]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/No API token named no-such-token/);
    expect(taken).toMatchObject({ code: 1, stdout: '' });
    expect(taken.stderr).toMatch(/already exists/);
    expect(badRole).toMatchObject({ code: 2, stdout: '' });
    expect(badRole.stderr).toContain(`role must be one of ${ROLES.join(', ')}`);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/reserved/);
    expect(nonsense.code).toBe(2);
    expect(nonsense.stderr).toMatch(/usage:/);
    expect((await sidecar.sql`select count(*)::int as n from api_tokens where name in ('someone', 'admin')`)[0]!.n).toBe(0);
  });
});
