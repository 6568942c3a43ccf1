/**
 * The investigation board through real HTTP on a real database: adding, editing, deciding and reopening
 * hypotheses, their timeline entries, evidence links checked against the incident's findings, the engine's
 * suggestions written once, and who may do what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSuggestedHypotheses } from '../src/store/hypotheses.js';
import { createApiToken } from '../src/store/tokens.js';
import { seedFindings } from './support/evidence.js';
import { expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const UNKNOWN = '00000000-0000-4000-8000-00000000abcd';
let sidecar: TestSidecar;
let viewer: string;
let editor: string;

beforeAll(async () => {
  sidecar = await startSidecar();
  viewer = (await createApiToken(sidecar.sql, 'wall', 'viewer')).token;
  editor = (await createApiToken(sidecar.sql, 'bot', 'editor')).token;
});
afterAll(() => sidecar.close());

const declare = async () =>
  expectStatus(
    await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'Checkout 5xx', severity: 'high' } }),
    201
  );
const board = (id: string) => `/api/incidents/${id}/hypotheses`;
const add = async (incidentId: string, json: Record<string, unknown>, headers: Record<string, string> = {}) =>
  expectStatus(await sidecar.call(board(incidentId), { method: 'POST', json, headers }), 201);
const patch = (incidentId: string, hypothesisId: string, json: Record<string, unknown>, token?: string) =>
  sidecar.call(`${board(incidentId)}/${hypothesisId}`, { method: 'PATCH', json, token });
const timelineOf = async (id: string) =>
  (await expectStatus(await sidecar.call(`/api/incidents/${id}/timeline`), 200)).items as Array<{
    type: string;
    author: string;
    message: string;
    data: Record<string, any>;
  }>;

describe('adding hypotheses', () => {
  it('adds one to the board (201) and records it on the timeline', async () => {
    const incident = await declare();
    expect((await expectStatus(await sidecar.call(board(incident.id)), 200)).items).toEqual([]);
    const res = await sidecar.call(board(incident.id), {
      method: 'POST',
      headers: { 'x-grafana-user': 'dana' },
      json: {
        statement: '  The 14:02 deploy broke payments  ',
        owner: 'sam',
        evidence: [{ url: 'https://ci.example/run/9', label: 'CI run' }],
      },
    });
    const hypothesis = await expectStatus(res, 201);
    expect(res.headers.get('location')).toBe(`${board(incident.id)}/${hypothesis.id}`);
    expect(hypothesis).toMatchObject({
      incidentId: incident.id,
      statement: 'The 14:02 deploy broke payments',
      status: 'open',
      owner: 'sam',
      evidence: [{ url: 'https://ci.example/run/9', label: 'CI run' }],
      origin: 'user',
      createdBy: 'dana',
      decidedBy: null,
      decidedAt: null,
      decisionNote: null,
      version: 1,
    });
    const second = await add(incident.id, { statement: 'Database failover' });
    const list = await expectStatus(await sidecar.call(board(incident.id), { token: viewer }), 200);
    expect(list.items.map((h: { id: string }) => h.id)).toEqual([hypothesis.id, second.id]);
    expect(list.items[0]).toEqual(hypothesis);

    const added = (await timelineOf(incident.id)).filter((e) => e.type === 'hypothesis_added');
    expect(added).toHaveLength(2);
    expect(added[0]).toMatchObject({ author: 'dana', data: { hypothesis } });
  });

  it('links evidence to a finding of this incident, and refuses another incident’s finding', async () => {
    const incident = await declare();
    const other = await declare();
    const [mine] = await seedFindings(sidecar.sql, incident.id);
    const [theirs] = await seedFindings(sidecar.sql, other.id);
    const linked = await add(incident.id, {
      statement: 'Logs say timeouts',
      evidence: [{ findingId: mine!.id, label: 'error logs' }],
    });
    expect(linked.evidence).toEqual([{ findingId: mine!.id, label: 'error logs' }]);

    const refused = await expectStatus(
      await sidecar.call(board(incident.id), {
        method: 'POST',
        json: { statement: 'Borrowed evidence', evidence: [{ findingId: theirs!.id, label: 'not ours' }] },
      }),
      400
    );
    expect(refused.error.code).toBe('VALIDATION_FAILED');
    expect(refused.error.message).toContain(theirs!.id);
    expect((await expectStatus(await sidecar.call(board(incident.id)), 200)).items).toHaveLength(1);

    // Retention removes the finding: the board keeps the link, and an edit that keeps it is still accepted.
    await sidecar.sql`delete from correlations where id = ${mine!.id}`;
    const evidence = [...linked.evidence, { url: 'https://runbook.example/pool', label: 'runbook' }];
    const edited = await expectStatus(await patch(incident.id, linked.id, { version: 1, evidence }), 200);
    expect(edited.evidence).toEqual(evidence);
    const readded = await patch(incident.id, linked.id, {
      version: 2,
      evidence: [{ findingId: theirs!.id, label: 'x' }],
    });
    expect((await expectStatus(readded, 400)).error.code).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['an empty statement', { statement: '   ' }],
    ['an unknown field', { statement: 'x', severity: 'high' }],
    ['a javascript: link', { statement: 'x', evidence: [{ url: 'javascript:alert(1)', label: 'click' }] }],
    ['a link to nothing', { statement: 'x', evidence: [{ label: 'just a label' }] }],
    ['a finding id that is not a uuid', { statement: 'x', evidence: [{ findingId: '42', label: 'f' }] }],
  ])('refuses %s with 400', async (_name, json) => {
    const incident = await declare();
    const body = await expectStatus(await sidecar.call(board(incident.id), { method: 'POST', json }), 400);
    expect(body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 404 for an unknown incident and 400 for a malformed id', async () => {
    expect((await expectStatus(await sidecar.call(board(UNKNOWN)), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    const post = await sidecar.call(board(UNKNOWN), { method: 'POST', json: { statement: 'x' } });
    expect((await expectStatus(post, 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    expect((await expectStatus(await sidecar.call(board('nope')), 400)).error.code).toBe('VALIDATION_FAILED');
  });
});

describe('deciding hypotheses', () => {
  it('confirms with who and when, records the verdict and note, and reopening clears it', async () => {
    const incident = await declare();
    const h = await add(incident.id, { statement: 'Connection pool exhausted' });
    const confirmed = await expectStatus(
      await sidecar.call(`${board(incident.id)}/${h.id}`, {
        method: 'PATCH',
        headers: { 'x-grafana-user': 'lee' },
        json: { version: 1, status: 'confirmed', note: 'pool metrics at max' },
      }),
      200
    );
    expect(confirmed).toMatchObject({
      status: 'confirmed',
      decidedBy: 'lee',
      decisionNote: 'pool metrics at max',
      version: 2,
    });
    expect(Date.parse(confirmed.decidedAt)).toBeGreaterThan(Date.now() - 60_000);
    const decided = (await timelineOf(incident.id)).filter((e) => e.type === 'hypothesis_decided');
    expect(decided).toEqual([
      expect.objectContaining({ author: 'lee', data: { hypothesis: confirmed, note: 'pool metrics at max' } }),
    ]);
    expect(decided[0]!.message).toContain('confirmed');

    const reopened = await expectStatus(await patch(incident.id, h.id, { version: 2, status: 'open' }), 200);
    expect(reopened).toMatchObject({
      status: 'open',
      decidedBy: null,
      decidedAt: null,
      decisionNote: null,
      version: 3,
    });
    const refuted = await expectStatus(await patch(incident.id, h.id, { version: 3, status: 'refuted' }), 200);
    expect(refuted).toMatchObject({ status: 'refuted', decidedBy: 'admin', decisionNote: null });
    const verdicts = (await timelineOf(incident.id))
      .filter((e) => e.type === 'hypothesis_decided')
      .map((e) => e.data.hypothesis.status);
    expect(verdicts).toEqual(['confirmed', 'open', 'refuted']);
  });

  it('edits statement, owner and evidence without a decision entry; an empty change keeps the version', async () => {
    const incident = await declare();
    const h = await add(incident.id, { statement: 'DNS', owner: 'sam' });
    const edited = await expectStatus(
      await patch(incident.id, h.id, {
        version: 1,
        statement: 'DNS resolution in eu-west',
        owner: null,
        evidence: [{ url: 'http://status.example/dns', label: 'status page' }],
      }),
      200
    );
    expect(edited).toMatchObject({ statement: 'DNS resolution in eu-west', owner: null, status: 'open', version: 2 });
    expect(edited.evidence).toEqual([{ url: 'http://status.example/dns', label: 'status page' }]);
    expect((await expectStatus(await patch(incident.id, h.id, { version: 2, owner: null }), 200)).version).toBe(2);
    expect((await timelineOf(incident.id)).some((e) => e.type === 'hypothesis_decided')).toBe(false);
  });

  it('answers 409 with the current hypothesis to a stale version, and changes nothing', async () => {
    const incident = await declare();
    const h = await add(incident.id, { statement: 'Cache stampede' });
    await expectStatus(await patch(incident.id, h.id, { version: 1, owner: 'kim' }), 200);
    const conflict = await expectStatus(await patch(incident.id, h.id, { version: 1, status: 'refuted' }), 409);
    expect(conflict.error.code).toBe('VERSION_CONFLICT');
    expect(conflict.error.details.current).toMatchObject({ id: h.id, owner: 'kim', status: 'open', version: 2 });
    expect((await expectStatus(await sidecar.call(board(incident.id)), 200)).items[0].status).toBe('open');
  });

  it('answers 404 for an unknown hypothesis or one of another incident, 400 for bad bodies', async () => {
    const incident = await declare();
    const other = await declare();
    const h = await add(other.id, { statement: 'Not on this board' });
    expect((await expectStatus(await patch(incident.id, UNKNOWN, { version: 1 }), 404)).error.code).toBe(
      'HYPOTHESIS_NOT_FOUND'
    );
    expect(
      (await expectStatus(await patch(incident.id, h.id, { version: 1, status: 'refuted' }), 404)).error.code
    ).toBe('HYPOTHESIS_NOT_FOUND');
    expect((await expectStatus(await patch(UNKNOWN, h.id, { version: 1 }), 404)).error.code).toBe('INCIDENT_NOT_FOUND');
    await expectStatus(await patch(other.id, h.id, { status: 'refuted' }), 400);
    await expectStatus(await patch(other.id, h.id, { version: 1, status: 'maybe' }), 400);
    await expectStatus(await patch(other.id, 'nope', { version: 1 }), 400);
  });
});

describe('suggested hypotheses (the correlation engine)', () => {
  it('writes each suggestion once per incident, however many runs repeat it', async () => {
    const incident = await declare();
    const [finding] = await seedFindings(sidecar.sql, incident.id);
    const suggestion = {
      statement: 'error logs in checkout rose 3 min before the incident',
      evidence: [{ findingId: finding!.id, label: 'error logs' }],
    };
    const first = await sidecar.sql.begin((tx) => insertSuggestedHypotheses(tx, incident.id, [suggestion]));
    const again = await sidecar.sql.begin((tx) =>
      insertSuggestedHypotheses(tx, incident.id, [
        suggestion,
        { statement: 'p95 latency of api doubled', evidence: [] },
      ])
    );
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ origin: 'suggested', status: 'open', createdBy: 'reliability-studio' });
    expect(again.map((h) => h.statement)).toEqual(['p95 latency of api doubled']);
    const items = (await expectStatus(await sidecar.call(board(incident.id)), 200)).items;
    expect(items.map((h: { statement: string }) => h.statement)).toEqual([
      suggestion.statement,
      'p95 latency of api doubled',
    ]);
    expect(items[0].evidence).toEqual(suggestion.evidence);
    const added = (await timelineOf(incident.id)).filter((e) => e.type === 'hypothesis_added');
    expect(added.map((e) => [e.author, e.data.hypothesis.statement])).toEqual([
      ['reliability-studio', suggestion.statement],
      ['reliability-studio', 'p95 latency of api doubled'],
    ]);
    // A person may still write the same sentence themselves: the index only dedupes the engine's own.
    await add(incident.id, { statement: suggestion.statement });
  });
});

describe('who may use the board', () => {
  it('lets viewers read but not write, and refuses callers without a token', async () => {
    const incident = await declare();
    const h = await add(incident.id, { statement: 'Bad config push' });
    await expectStatus(await sidecar.call(board(incident.id), { token: viewer }), 200);
    const post = await sidecar.call(board(incident.id), { method: 'POST', json: { statement: 'x' }, token: viewer });
    expect((await expectStatus(post, 403)).error.code).toBe('FORBIDDEN');
    expect(
      (await expectStatus(await patch(incident.id, h.id, { version: 1, status: 'confirmed' }, viewer), 403)).error.code
    ).toBe('FORBIDDEN');
    expect((await expectStatus(await sidecar.call(board(incident.id), { token: null }), 401)).error.code).toBe(
      'AUTH_REQUIRED'
    );
    await expectStatus(
      await sidecar.call(board(incident.id), { method: 'POST', json: { statement: 'x' }, token: null }),
      401
    );
    await expectStatus(await patch(incident.id, h.id, { version: 1, status: 'confirmed' }, editor), 200);
  });
});
