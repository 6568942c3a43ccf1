import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer, type Reply } from './support/fixtureServer.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const BACKEND = fileURLToPath(new URL('..', import.meta.url));
const TSX = path.join(BACKEND, '..', 'node_modules', '.bin', 'tsx');
const FIXTURES = fileURLToPath(new URL('./fixtures/oncall/', import.meta.url));
const TOKEN = 'meowmeowmeow';

let sidecar: TestSidecar;
let oncall: FixtureServer;

/** Runs the CLI as an operator would, against the test sidecar's database. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['src/cli.ts', ...args], {
      cwd: BACKEND,
      env: { ...process.env, DATABASE_URL: sidecar.databaseUrl },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Shifts made in OnCall after the first import, served after the recorded ones. */
const laterShifts: unknown[] = [];

/** A recorded answer, with the reference's `{{API_URL}}` placeholder as this server's URL. */
function answer(file: string): Reply {
  const body = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8').replaceAll('{{API_URL}}', oncall.url));
  if (file === 'on-call-shifts.json') body.results.push(...laterShifts);
  return { body, contentType: 'application/json' };
}

/** OnCall's API as the reference describes it: the token in Authorization (no Bearer), lists in pages. */
function serveOnCall(server: FixtureServer): void {
  const lists: Record<string, string[]> = {
    users: ['users-page-1.json', 'users-page-2.json'],
    schedules: ['schedules.json'],
    on_call_shifts: ['on-call-shifts.json'],
    escalation_chains: ['escalation-chains.json'],
    escalation_policies: ['escalation-policies-page-1.json', 'escalation-policies-page-2.json'],
    integrations: ['integrations.json'],
    routes: ['routes.json'],
  };
  server.route(/^\/api\/v1\/[a-z_]+\/$/, (req) => {
    if (req.headers.authorization !== TOKEN) return { status: 401, body: { detail: 'Invalid token.' } };
    const pages = lists[req.path.split('/')[3]!];
    const page = pages?.[Number(req.query.get('page') ?? '1') - 1];
    return page ? answer(page) : { status: 404, body: { detail: 'Not found.' } };
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const onCallAt = async (scheduleId: string, at: string) =>
  (await expectStatus(await sidecar.call(`/api/schedules/${scheduleId}/on-call?at=${at}`), 200)).current.personName;

beforeAll(async () => {
  sidecar = await startSidecar();
  oncall = await startFixtureServer();
  serveOnCall(oncall);
});
afterAll(async () => {
  await oncall?.close();
  await sidecar?.close();
});

describe('npm run cli -- import oncall', () => {
  it(
    'creates people, schedules, policies and services, reports what it could not map, and a re-run creates nothing',
    { timeout: 90_000 },
    async () => {
      // The catalog has a service of that name already (from alerts), naming no policy: it gets the integration's.
      await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'grafana-blush' } }), 201);
      const first = await cli('import', 'oncall', '--url', oncall.url, '--token', TOKEN);
      expect(first.code, first.stderr).toBe(0);
      const report = first.stdout;
      expect(report).toMatch(/^Grafana OnCall import: 7 created, 1 updated, 0 already there, \d+ not mapped$/m);
      expect(report).toMatch(/^Updated:\n {2}service grafana-blush \(policy "default"\)$/m);
      // Every list was read to its end, pages included, with the token as the reference sends it.
      expect(
        oncall.requests.map((r) => `${r.path}${r.query.get('page') ? `?page=${r.query.get('page')}` : ''}`)
      ).toEqual([
        '/api/v1/users/',
        '/api/v1/users/?page=2',
        '/api/v1/schedules/',
        '/api/v1/on_call_shifts/',
        '/api/v1/escalation_chains/',
        '/api/v1/escalation_policies/',
        '/api/v1/escalation_policies/?page=2',
        '/api/v1/integrations/',
        '/api/v1/routes/',
      ]);
      expect(new Set(oncall.requests.map((r) => r.headers.authorization))).toEqual(new Set([TOKEN]));

      // People: by login, each with their email as a contact method and their zone (UTC when OnCall has none).
      const { items: people } = await expectStatus(await sidecar.call('/api/people'), 200);
      expect(
        people.map((p: { login: string; email: string; timeZone: string }) => [p.login, p.email, p.timeZone])
      ).toEqual([
        ['alex', 'public-api-demo-user-1@grafana.com', 'Europe/Berlin'],
        ['alice', 'alice@example.com', 'UTC'],
        ['bob', 'bob@example.com', 'America/New_York'],
      ]);
      expect(people[0].contactMethods).toEqual([{ kind: 'email', target: 'public-api-demo-user-1@grafana.com' }]);

      // Schedules: the web one with its two rotations as layers (the higher OnCall level on top) and its override.
      const { items: schedules } = await expectStatus(await sidecar.call('/api/schedules'), 200);
      expect(schedules.map((s: { name: string }) => s.name)).toEqual(['Demo schedule Calendar', 'Primary']);
      const primary = schedules.find((s: { name: string }) => s.name === 'Primary');
      const byLogin = Object.fromEntries(people.map((p: { login: string; id: string }) => [p.login, p.id]));
      expect(primary.timeZone).toBe('Europe/Berlin');
      expect(primary.layers).toEqual([
        expect.objectContaining({
          name: 'Weekly primary',
          participants: [byLogin.bob, byLogin.alex],
          shiftLength: { unit: 'weeks', count: 1 },
          handOffTime: '09:00',
          handOffDay: 1,
          startDate: '2026-11-02',
          timeZone: 'Europe/Berlin',
        }),
        expect.objectContaining({
          name: 'Business hours',
          participants: [byLogin.alice],
          shiftLength: { unit: 'days', count: 1 },
          restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }],
        }),
      ]);
      // As OnCall has it: bob's week from Monday 2 November 09:00 Berlin (start_rotation_from_user_index 1), then
      // alex's; alice on weekdays 09:00–17:00 over both; bob covering Christmas Eve 2040 (an override, in UTC).
      expect(await onCallAt(primary.id, '2026-11-03T20:00:00Z')).toBe('bob');
      expect(await onCallAt(primary.id, '2026-11-09T07:59:00Z')).toBe('bob');
      expect(await onCallAt(primary.id, '2026-11-09T08:01:00Z')).toBe('alice');
      expect(await onCallAt(primary.id, '2026-11-10T20:00:00Z')).toBe('alex');
      expect(await onCallAt(primary.id, '2026-11-14T11:00:00Z')).toBe('alex');
      expect(await onCallAt(primary.id, '2040-12-24T17:30:00Z')).toBe('bob');
      const { items: overrides } = await expectStatus(
        await sidecar.call(`/api/schedules/${primary.id}/overrides`),
        200
      );
      expect(
        overrides.map((o: { personId: string; start: string; end: string }) => [o.personId, o.start, o.end])
      ).toEqual([[byLogin.bob, '2040-12-24T17:00:00.000Z', '2040-12-25T17:00:00.000Z']]);

      // Escalation: the notify and wait steps as studio steps, the repeat as repeat 5.
      const { items: policies } = await expectStatus(await sidecar.call('/api/escalation-policies'), 200);
      expect(policies.map((p: { name: string }) => p.name)).toEqual(['default']);
      expect(policies[0]).toMatchObject({
        repeat: 5,
        steps: [
          { target: { kind: 'schedule', scheduleId: primary.id }, waitMinutes: 5, urgency: 'high' },
          { target: { kind: 'person', personId: byLogin.alex }, waitMinutes: 0, urgency: 'high' },
          { target: { kind: 'person', personId: byLogin.alice }, waitMinutes: 15, urgency: 'high' },
        ],
      });
      const service = await expectStatus(await sidecar.call('/api/services/grafana-blush'), 200);
      expect(service.escalationPolicyId).toBe(policies[0].id);
      // An integration whose default route names no chain: a service that names no policy.
      const alertmanager = await expectStatus(await sidecar.call('/api/services/alertmanager'), 200);
      expect(alertmanager.escalationPolicyId).toBeNull();

      // What has no studio equivalent is named with why, never dropped.
      for (const line of [
        /Slack identity of alex: .*<@UALEXSLACKDJPK>/,
        /schedule "Demo schedule iCal": an iCalendar schedule/,
        /shift "Demo single event" of schedule "Demo schedule Calendar": a one-off shift/,
        /shift "Demo recurrent event" of schedule "Demo schedule Calendar": a rotation every 2 weeks with 3 h shifts on MO,WE,FR has no studio equivalent/,
        /shift "Monthly review" of schedule "Primary": a monthly rotation/,
        /shift "Business hours" of schedule "Primary": slot 1 has several people at once; .* kept alice, not bob/,
        /schedule "Primary": 1 override is over already/,
        /step 5 \(notify_whole_channel\) of chain "default": /,
        /chain "example-chain": it waits 1 min before its first page/,
        /step 2 \(notify_person_next_each_time\) of chain "example-chain": round robin/,
        /escalation policy "example-chain": none of its steps has a studio equivalent: not created/,
        /route "us-\(east\|west\)" of integration "Grafana :blush:": routes by alert content to chain "example-chain"/,
        /service grafana-blush \(integration "Grafana: blush"\): another OnCall item of this kind has the same name here/,
      ]) {
        expect(report).toMatch(new RegExp(`^  ${line.source}`, 'm'));
      }
      const notMapped = report.split('\nNot mapped:\n')[1]!.trimEnd().split('\n');
      expect(notMapped).toHaveLength(Number(/(\d+) not mapped/.exec(report)![1]));

      // A second run finds everything by login or name and creates nothing but an override made since.
      laterShifts.push({
        id: 'OOVERRIDE0003',
        name: 'New Year cover',
        type: 'override',
        schedule: 'SWEBPRIMARY01',
        time_zone: null,
        start: '2041-01-01T00:00:00',
        rotation_start: '2041-01-01T00:00:00',
        duration: 7200,
        users: ['UC2CHRT5SD34X'],
      });
      const again = await cli('import', 'oncall', '--url', oncall.url, '--token', TOKEN);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^Grafana OnCall import: 0 created, 1 updated, 7 already there, /m);
      expect(again.stdout).toMatch(/^Updated:\n {2}schedule "Primary" \(1 new override\)$/m);
      expect(again.stdout).toMatch(/^ {2}person alex$/m);
      expect(again.stdout).toMatch(/^ {2}service grafana-blush$/m);
      expect(await onCallAt(primary.id, '2041-01-01T01:00:00Z')).toBe('alice');
      const counts = await sidecar.sql`
      select (select count(*)::int from people) as people, (select count(*)::int from schedules) as schedules,
             (select count(*)::int from schedule_overrides) as overrides,
             (select count(*)::int from escalation_policies) as policies, (select count(*)::int from services) as services`;
      expect(counts[0]).toEqual({ people: 3, schedules: 2, overrides: 2, policies: 1, services: 2 });
    }
  );

  it(
    'stops with one line and exit code 1 when OnCall refuses the token or cannot be reached',
    { timeout: 60_000 },
    async () => {
      const [refused, unreachable] = await Promise.all([
        cli('import', 'oncall', '--url', oncall.url, '--token', 'wrong'),
        closedPort().then((port) => cli('import', 'oncall', '--url', `http://127.0.0.1:${port}`, '--token', TOKEN)),
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(
        /^OnCall refused the token \(HTTP 401 for \/api\/v1\/users\/\): check --token .*\n$/
      );
      expect(unreachable.code).toBe(1);
      expect(unreachable.stdout).toBe('');
      expect(unreachable.stderr).toMatch(/^cannot reach OnCall at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
    }
  );

  it('refuses a command without its URL or token as a usage error', { timeout: 60_000 }, async () => {
    const noToken = await cli('import', 'oncall', '--url', oncall.url);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/--token is required/);
  });
});
