import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/store/tokens.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

/** People, schedules, overrides and who is on call, through the real HTTP API on a real Postgres. */
let sidecar: TestSidecar;
let viewer: string;
let editor: string;
const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  editor = (await createApiToken(sidecar.sql, 'responder', 'editor')).token;
});
afterAll(() => sidecar.close());

const person = async (login: string, extra: Record<string, unknown> = {}) =>
  expectStatus(
    await sidecar.call('/api/people', {
      method: 'POST',
      json: { login, name: login.toUpperCase(), email: `${login}@example.com`, timeZone: 'Europe/Berlin', ...extra },
    }),
    201
  );

const eventsOf = (type: string) =>
  sidecar.sql<{ payload: { id: string } }[]>`select payload from events where type = ${type}`;

const dailyLayer = (participants: string[], extra: Record<string, unknown> = {}) => ({
  name: 'primary',
  participants,
  shiftLength: { unit: 'days', count: 1 },
  handOffTime: '09:00',
  startDate: '2026-01-05',
  ...extra,
});

async function schedule(name: string, layers: unknown[], extra: Record<string, unknown> = {}) {
  return expectStatus(
    await sidecar.call('/api/schedules', {
      method: 'POST',
      json: { name, timeZone: 'Europe/Berlin', layers, ...extra },
    }),
    201
  );
}

const berlin = (local: string) => DateTime.fromISO(local, { zone: 'Europe/Berlin' }).toUTC().toISO()!;

describe('people', () => {
  it('creates, reads, changes and deletes a person, with an outbox event for each change', async () => {
    const ana = await person('ana', {
      contactMethods: [
        { kind: 'email', target: 'ana@example.com' },
        { kind: 'ntfy', target: 'ana-pages' },
      ],
    });
    expect(ana).toMatchObject({ login: 'ana', timeZone: 'Europe/Berlin', hasCalendarFeed: true, version: 1 });
    expect(ana.contactMethods.map((m: { kind: string }) => m.kind)).toEqual(['email', 'ntfy']);
    expect(ana.calendarFeed.url).toMatch(/\/ical\/cal_[\w-]{43}\.ics$/);
    const listed = await expectStatus(await sidecar.call('/api/people', { token: viewer }), 200);
    expect(JSON.stringify(listed)).not.toContain(ana.calendarFeed.token);
    const changed = await expectStatus(
      await sidecar.call(`/api/people/${ana.id}`, {
        method: 'PATCH',
        json: { version: 1, timeZone: 'America/New_York' },
      }),
      200
    );
    expect(changed).toMatchObject({ timeZone: 'America/New_York', version: 2 });
    expect(await expectStatus(await sidecar.call(`/api/people/${ana.id}`, { token: viewer }), 200)).toMatchObject({
      version: 2,
    });
    const feed = await expectStatus(await sidecar.call(`/api/people/${ana.id}/calendar-feed`, { method: 'POST' }), 200);
    expect(feed.token).not.toBe(ana.calendarFeed.token);
    await expectStatus(await sidecar.call(`/api/people/${ana.id}`, { method: 'DELETE' }), 204);
    expect(await expectStatus(await sidecar.call(`/api/people/${ana.id}`), 404)).toMatchObject({
      error: { code: 'PERSON_NOT_FOUND' },
    });
    for (const type of ['person.created', 'person.updated', 'person.feed_rotated', 'person.deleted']) {
      expect(
        (await eventsOf(type)).some((e) => e.payload.id === ana.id),
        type
      ).toBe(true);
    }
  });

  it('refuses bad input naming the field, a taken login, a stale version and an unknown channel', async () => {
    const zone = await sidecar.call('/api/people', {
      method: 'POST',
      json: { login: 'x', name: 'X', email: 'x@example.com', timeZone: 'Mars/Olympus' },
    });
    expect((await expectStatus(zone, 400)).error.details.issues[0].path).toBe('timeZone');
    const slack = await sidecar.call('/api/people', {
      method: 'POST',
      json: {
        login: 'x',
        name: 'X',
        email: 'x@example.com',
        timeZone: 'UTC',
        contactMethods: [{ kind: 'slack', target: '@x' }],
      },
    });
    expect((await expectStatus(slack, 400)).error.details.issues[0].path).toBe('contactMethods.0.channelId');
    const noChannel = await sidecar.call('/api/people', {
      method: 'POST',
      json: {
        login: 'x',
        name: 'X',
        email: 'x@example.com',
        timeZone: 'UTC',
        contactMethods: [{ kind: 'webhook', target: 'x', channelId: UNKNOWN }],
      },
    });
    expect((await expectStatus(noChannel, 400)).error.details.issues[0].path).toBe('contactMethods.0.channelId');
    const bo = await person('bo');
    const again = await sidecar.call('/api/people', {
      method: 'POST',
      json: { login: 'bo', name: 'B', email: 'b@example.com', timeZone: 'UTC' },
    });
    expect((await expectStatus(again, 409)).error.code).toBe('PERSON_ALREADY_EXISTS');
    await expectStatus(await sidecar.call(`/api/people/${bo.id}`, { method: 'PATCH', json: { name: 'Bo' } }), 200);
    const stale = await sidecar.call(`/api/people/${bo.id}`, { method: 'PATCH', json: { version: 1, name: 'B' } });
    expect((await expectStatus(stale, 409)).error.code).toBe('VERSION_CONFLICT');
  });

  it('lets viewers read and only admins change people; refuses deleting someone still on a rota', async () => {
    for (const token of [viewer, editor]) {
      const res = await sidecar.call('/api/people', {
        method: 'POST',
        json: { login: 'no', name: 'N', email: 'n@example.com', timeZone: 'UTC' },
        token,
      });
      expect((await expectStatus(res, 403)).error.code).toBe('FORBIDDEN');
    }
    expect((await expectStatus(await sidecar.call('/api/people', { token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
    const cy = await person('cy');
    await schedule('cy-rota', [dailyLayer([cy.id])]);
    const refused = await expectStatus(await sidecar.call(`/api/people/${cy.id}`, { method: 'DELETE' }), 409);
    expect(refused.error).toMatchObject({ code: 'PERSON_ON_SCHEDULE', details: { schedules: [{ name: 'cy-rota' }] } });
  });
});

describe('schedules and overrides', () => {
  it('creates a schedule with layers (ids and zones filled in), changes its layers, and deletes it', async () => {
    const dee = await person('dee');
    const created = await schedule('dee-rota', [dailyLayer([dee.id])]);
    expect(created.layers[0]).toMatchObject({
      id: expect.any(String),
      timeZone: 'Europe/Berlin',
      participants: [dee.id],
    });
    expect(created.calendarFeed.url).toMatch(/\/ical\/cal_/);
    const layerId = created.layers[0].id;
    const patched = await expectStatus(
      await sidecar.call(`/api/schedules/${created.id}`, {
        method: 'PATCH',
        json: { version: 1, layers: [dailyLayer([dee.id], { id: layerId, handOffTime: '10:00', timeZone: 'UTC' })] },
      }),
      200
    );
    expect(patched.layers[0]).toMatchObject({ id: layerId, handOffTime: '10:00', timeZone: 'UTC' });
    expect(
      (await expectStatus(await sidecar.call('/api/schedules', { token: viewer }), 200)).items.map(
        (s: { name: string }) => s.name
      )
    ).toContain('dee-rota');
    await expectStatus(await sidecar.call(`/api/schedules/${created.id}`, { method: 'DELETE' }), 204);
    expect((await expectStatus(await sidecar.call(`/api/schedules/${created.id}`), 404)).error.code).toBe(
      'SCHEDULE_NOT_FOUND'
    );
    for (const type of ['schedule.created', 'schedule.updated', 'schedule.deleted']) {
      expect(
        (await eventsOf(type)).some((e) => e.payload.id === created.id),
        type
      ).toBe(true);
    }
  });

  it('refuses bad layers naming the field, unknown participants, taken names; only admins change schedules', async () => {
    const eve = await person('eve');
    const cases: Array<[unknown, string]> = [
      [dailyLayer([eve.id], { handOffTime: '25:00' }), 'layers.0.handOffTime'],
      [dailyLayer([eve.id], { startDate: '2026-02-30' }), 'layers.0.startDate'],
      [dailyLayer([eve.id], { timeZone: 'Europe/Atlantis' }), 'layers.0.timeZone'],
      [dailyLayer([], {}), 'layers.0.participants'],
      [dailyLayer([UNKNOWN]), 'layers.0.participants.0'],
      [
        dailyLayer([eve.id], { restrictions: [{ days: [8], start: '09:00', end: '17:00' }] }),
        'layers.0.restrictions.0.days.0',
      ],
    ];
    for (const [layer, path] of cases) {
      const res = await sidecar.call('/api/schedules', {
        method: 'POST',
        json: { name: 'bad', timeZone: 'UTC', layers: [layer] },
      });
      expect((await expectStatus(res, 400)).error.details.issues[0].path, path).toBe(path);
    }
    await schedule('taken', []);
    expect(
      (
        await expectStatus(
          await sidecar.call('/api/schedules', { method: 'POST', json: { name: 'taken', timeZone: 'UTC' } }),
          409
        )
      ).error.code
    ).toBe('SCHEDULE_ALREADY_EXISTS');
    const res = await sidecar.call('/api/schedules', {
      method: 'POST',
      json: { name: 'no', timeZone: 'UTC' },
      token: editor,
    });
    expect((await expectStatus(res, 403)).error.code).toBe('FORBIDDEN');
    expect((await expectStatus(await sidecar.call('/api/schedules', { token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
  });

  it('"take the pager now": an editor takes over until a time, the timeline shows it, deleting it hands back', async () => {
    const [fay, gus] = [await person('fay'), await person('gus')];
    const rota = await schedule('fay-rota', [dailyLayer([fay.id])]);
    const until = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const taken = await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/overrides`, {
        method: 'POST',
        json: { personId: gus.id, end: until },
        token: editor,
      }),
      201
    );
    const now = await expectStatus(await sidecar.call(`/api/schedules/${rota.id}/on-call`, { token: viewer }), 200);
    expect(now.current).toMatchObject({
      personId: gus.id,
      personName: 'GUS',
      end: until,
      reason: { kind: 'override', overrideId: taken.id },
    });
    expect(now.next).toMatchObject({
      personId: fay.id,
      start: until,
      reason: { kind: 'layer', layerId: rota.layers[0].id },
    });
    const listed = await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/overrides`, { token: viewer }),
      200
    );
    expect(listed.items.map((o: { id: string }) => o.id)).toEqual([taken.id]);
    await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/overrides/${taken.id}`, { method: 'DELETE', token: editor }),
      204
    );
    const after = await expectStatus(await sidecar.call(`/api/schedules/${rota.id}/on-call`), 200);
    expect(after.current.personId).toBe(fay.id);
    expect((await eventsOf('override.created')).some((e) => e.payload.id === taken.id)).toBe(true);
    expect((await eventsOf('override.deleted')).some((e) => e.payload.id === taken.id)).toBe(true);
  });

  it('refuses overrides that end before they start, for unknown people, from viewers; 404 for unknown ones', async () => {
    const hal = await person('hal');
    const rota = await schedule('hal-rota', [dailyLayer([hal.id])]);
    const past = await sidecar.call(`/api/schedules/${rota.id}/overrides`, {
      method: 'POST',
      json: { personId: hal.id, end: '2020-01-01T00:00:00Z' },
    });
    expect((await expectStatus(past, 400)).error.details.issues[0].path).toBe('end');
    const nobody = await sidecar.call(`/api/schedules/${rota.id}/overrides`, {
      method: 'POST',
      json: { personId: UNKNOWN, end: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect((await expectStatus(nobody, 400)).error.details.issues[0].path).toBe('personId');
    const asViewer = await sidecar.call(`/api/schedules/${rota.id}/overrides`, {
      method: 'POST',
      json: { personId: hal.id, end: new Date(Date.now() + 3_600_000).toISOString() },
      token: viewer,
    });
    expect((await expectStatus(asViewer, 403)).error.code).toBe('FORBIDDEN');
    const gone = await sidecar.call(`/api/schedules/${rota.id}/overrides/${UNKNOWN}`, { method: 'DELETE' });
    expect((await expectStatus(gone, 404)).error.code).toBe('OVERRIDE_NOT_FOUND');
    const noSchedule = await sidecar.call(`/api/schedules/${UNKNOWN}/overrides`, {
      method: 'POST',
      json: { personId: hal.id, end: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect((await expectStatus(noSchedule, 404)).error.code).toBe('SCHEDULE_NOT_FOUND');
  });

  it('swaps two shifts as two overrides, and refuses a swap within one shift', async () => {
    const [ivy, jon] = [await person('ivy'), await person('jon')];
    const rota = await schedule('swap-rota', [dailyLayer([ivy.id, jon.id])]);
    const layerId = rota.layers[0].id;
    // 2026-03-02 is shift 56 (even: ivy), 2026-03-03 shift 57 (jon).
    const first = berlin('2026-03-02T12:00');
    const second = berlin('2026-03-03T12:00');
    const swapped = await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/swaps`, {
        method: 'POST',
        json: { layerId, first, second },
        token: editor,
      }),
      201
    );
    expect(swapped.items.map((o: { personId: string }) => o.personId)).toEqual([jon.id, ivy.id]);
    const at = async (instant: string) =>
      (
        await expectStatus(
          await sidecar.call(`/api/schedules/${rota.id}/on-call?at=${encodeURIComponent(instant)}`),
          200
        )
      ).current.personId;
    expect(await at(first)).toBe(jon.id);
    expect(await at(second)).toBe(ivy.id);
    const same = await sidecar.call(`/api/schedules/${rota.id}/swaps`, {
      method: 'POST',
      json: { layerId, first, second: berlin('2026-03-02T18:00') },
    });
    expect((await expectStatus(same, 400)).error.details.issues[0].path).toBe('second');
    const noLayer = await sidecar.call(`/api/schedules/${rota.id}/swaps`, {
      method: 'POST',
      json: { layerId: UNKNOWN, first, second },
    });
    expect((await expectStatus(noLayer, 400)).error.details.issues[0].path).toBe('layerId');
  });
});

describe('who is on call', () => {
  it("answers a service's on-call: each schedule its policy pages, in step order, and no policy plainly", async () => {
    const [pia, quin] = [await person('pia'), await person('quin')];
    const primary = await schedule('svc-primary', [dailyLayer([pia.id])]);
    const secondary = await schedule('svc-secondary', [dailyLayer([quin.id])]);
    const step = (scheduleId: string) => ({
      target: { kind: 'schedule', scheduleId },
      waitMinutes: 5,
      urgency: 'high',
    });
    const policy = await expectStatus(
      await sidecar.call('/api/escalation-policies', {
        method: 'POST',
        json: { name: 'svc-policy', steps: [step(primary.id), step(secondary.id), step(primary.id)] },
      }),
      201
    );
    await expectStatus(
      await sidecar.call('/api/services', {
        method: 'POST',
        json: { name: 'svc-paged', escalationPolicyId: policy.id },
      }),
      201
    );
    await expectStatus(await sidecar.call('/api/services', { method: 'POST', json: { name: 'svc-quiet' } }), 201);
    const answer = await expectStatus(await sidecar.call('/api/services/svc-paged/on-call', { token: viewer }), 200);
    expect(answer.policy).toEqual({ id: policy.id, name: 'svc-policy' });
    expect(
      answer.schedules.map((i: { scheduleName: string; current: { personId: string } }) => [
        i.scheduleName,
        i.current.personId,
      ])
    ).toEqual([
      ['svc-primary', pia.id],
      ['svc-secondary', quin.id],
    ]);
    expect(await expectStatus(await sidecar.call('/api/services/svc-quiet/on-call'), 200)).toEqual({
      service: 'svc-quiet',
      policy: null,
      schedules: [],
    });
    expect((await expectStatus(await sidecar.call('/api/services/nope/on-call'), 404)).error.code).toBe(
      'SERVICE_NOT_FOUND'
    );
  });

  it('answers the timeline of a range with its gaps, and refuses a backwards or too long range', async () => {
    const [kim, lee] = [await person('kim'), await person('lee')];
    const rota = await schedule('day-rota', [
      dailyLayer([kim.id], { name: 'days', restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }] }),
    ]);
    const from = berlin('2026-03-06T00:00');
    const to = berlin('2026-03-07T00:00');
    const answer = await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/timeline?from=${from}&to=${to}`, { token: viewer }),
      200
    );
    expect(answer.segments.map((s: { personId: string | null; start: string }) => [s.personId, s.start])).toEqual([
      [null, new Date(from).toISOString()],
      [kim.id, new Date(berlin('2026-03-06T09:00')).toISOString()],
      [null, new Date(berlin('2026-03-06T17:00')).toISOString()],
    ]);
    expect(answer.gaps).toHaveLength(2);
    const backwards = await sidecar.call(`/api/schedules/${rota.id}/timeline?from=${to}&to=${from}`);
    expect((await expectStatus(backwards, 400)).error.details.issues[0].path).toBe('to');
    const long = await sidecar.call(
      `/api/schedules/${rota.id}/timeline?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z`
    );
    expect((await expectStatus(long, 400)).error.details.issues[0].path).toBe('to');
    const bad = await sidecar.call(`/api/schedules/${rota.id}/timeline?from=yesterday`);
    expect((await expectStatus(bad, 400)).error.details.issues[0].path).toBe('from');
    expect((await expectStatus(await sidecar.call(`/api/schedules/${UNKNOWN}/timeline`), 404)).error.code).toBe(
      'SCHEDULE_NOT_FOUND'
    );
    expect((await expectStatus(await sidecar.call(`/api/schedules/${UNKNOWN}/on-call`), 404)).error.code).toBe(
      'SCHEDULE_NOT_FOUND'
    );
    expect(
      (await expectStatus(await sidecar.call(`/api/schedules/${rota.id}/timeline`, { token: null }), 401)).error.code
    ).toBe('AUTH_REQUIRED');
    void lee;
  });

  it("shows each layer's own shifts and the overrides beside the combined timeline", async () => {
    const [max, nia, oli] = [await person('max'), await person('nia'), await person('oli')];
    const rota = await schedule('layered-rota', [
      dailyLayer([max.id, nia.id], { name: 'around the clock' }),
      dailyLayer([oli.id], {
        name: 'office hours',
        restrictions: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }],
      }),
    ]);
    const from = berlin('2026-03-06T00:00'); // a Friday
    const to = berlin('2026-03-07T00:00');
    const cover = {
      personId: nia.id,
      start: berlin('2026-03-06T20:00'),
      end: berlin('2026-03-06T22:00'),
      note: 'dinner swap',
    };
    const override = await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/overrides`, { method: 'POST', json: cover }),
      201
    );
    const answer = await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/timeline?from=${from}&to=${to}`),
      200
    );
    const iso = (local: string) => new Date(berlin(local)).toISOString();
    expect(answer.layers.map((l: { name: string }) => l.name)).toEqual(['around the clock', 'office hours']);
    // Shifts are cut to the range: the one handed over on 5 March (shift 59 since 5 January: nia) from midnight.
    const [clock, office] = answer.layers as Array<{
      shifts: Array<{ personName: string; start: string; end: string }>;
    }>;
    expect(clock!.shifts.map((s) => [s.personName, s.start, s.end])).toEqual([
      ['NIA', iso('2026-03-06T00:00'), iso('2026-03-06T09:00')],
      ['MAX', iso('2026-03-06T09:00'), iso('2026-03-07T00:00')],
    ]);
    expect(office!.shifts.map((s) => [s.personName, s.start, s.end])).toEqual([
      ['OLI', iso('2026-03-06T09:00'), iso('2026-03-06T17:00')],
    ]);
    expect(answer.overrides).toEqual([
      {
        overrideId: override.id,
        personId: nia.id,
        personName: 'NIA',
        start: iso('2026-03-06T20:00'),
        end: iso('2026-03-06T22:00'),
      },
    ]);
    // The combined timeline: office hours win over the 24x7 layer, the override over both.
    const at = (local: string) =>
      answer.segments.find((s: { start: string; end: string }) => s.start <= iso(local) && iso(local) < s.end)
        .personName;
    expect([at('2026-03-06T08:00'), at('2026-03-06T10:00'), at('2026-03-06T18:00'), at('2026-03-06T21:00')]).toEqual([
      'NIA',
      'OLI',
      'MAX',
      'NIA',
    ]);
  });

  it('GET /api/on-call answers every schedule now and next, and warns of gaps starting soon', async () => {
    const mo = await person('mo');
    const soon = new Date(Date.now() + 2 * 3_600_000);
    const rota = await schedule('ends-soon', []);
    await expectStatus(
      await sidecar.call(`/api/schedules/${rota.id}/overrides`, {
        method: 'POST',
        json: { personId: mo.id, end: soon.toISOString() },
      }),
      201
    );
    const answer = await expectStatus(await sidecar.call('/api/on-call?withinHours=6', { token: viewer }), 200);
    const mine = answer.items.find((i: { scheduleId: string }) => i.scheduleId === rota.id);
    expect(mine.current).toMatchObject({ personId: mo.id, personName: 'MO' });
    expect(mine.next).toMatchObject({ personId: null, start: soon.toISOString() });
    expect(answer.warnings).toContainEqual({
      scheduleId: rota.id,
      scheduleName: 'ends-soon',
      start: soon.toISOString(),
      end: expect.any(String),
    });
    expect(
      (await expectStatus(await sidecar.call('/api/on-call?withinHours=0'), 400)).error.details.issues[0].path
    ).toBe('withinHours');
    expect((await expectStatus(await sidecar.call('/api/on-call', { token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
  });
});
