import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { testIds } from '../../components/testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeOnCall, makePerson, makeTimeline, segment } from '../../testUtils/onCallFixtures';
import { OnCallPage } from './OnCallPage';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.onCall;
const HOUR = 3_600_000;

jest.setTimeout(30_000);

const alex = makePerson('Alex');
const sam = makePerson('Sam');
const primary = makeOnCall('Primary', segment(alex, -10, 14), segment(sam, 14, 14 + 7 * 24));
const secondary = makeOnCall('Secondary', segment(null, -1, 3), segment(sam, 3, 27));

const renderPage = () =>
  render(
    <MemoryRouter>
      <OnCallPage />
    </MemoryRouter>
  );

function signInAs(login: string, orgRole = 'Editor') {
  config.bootData = {
    ...config.bootData,
    user: { ...config.bootData?.user, login, orgRole },
  } as typeof config.bootData;
}

const cardOf = (name: string) =>
  screen.getAllByTestId(ids.schedule).find((c) => c.getAttribute('data-schedule-name') === name)!;

describe('OnCallPage', () => {
  let backend: FakeBackendSrv;
  const saved = config.bootData;

  beforeEach(() => {
    signInAs('sam');
    backend = installFakeBackendSrv();
    backend.on(
      'GET',
      `${API}/on-call`,
      reply(200, {
        at: new Date().toISOString(),
        items: [primary, secondary],
        warnings: [
          {
            scheduleId: secondary.scheduleId,
            scheduleName: 'Secondary',
            start: secondary.current.start,
            end: secondary.current.end,
          },
        ],
      })
    );
    backend.on('GET', `${API}/people`, reply(200, { items: [alex, sam] }));
    backend.on(
      'GET',
      `${API}/schedules/${primary.scheduleId}/timeline`,
      reply(
        200,
        makeTimeline(
          [
            [alex, -10, 14],
            [sam, 14, 182],
          ],
          [segment(alex, 0, 14), segment(sam, 14, 336)]
        )
      )
    );
    backend.on(
      'GET',
      `${API}/schedules/${secondary.scheduleId}/timeline`,
      reply(200, makeTimeline([[sam, 3, 27]], [segment(null, 0, 3), segment(sam, 3, 27), segment(null, 27, 336)]))
    );
  });

  afterEach(() => {
    config.bootData = saved;
  });

  test('shows who is on call now and next per schedule, the gaps ahead, and two weeks of shifts', async () => {
    renderPage();
    expect(screen.getByText('Loading who is on call…')).toBeInTheDocument();
    await screen.findAllByTestId(ids.schedule);

    const now = within(cardOf('Primary')).getByTestId(ids.now);
    expect(now).toHaveAttribute('data-person-id', alex.id);
    expect(now).toHaveTextContent('Alex');
    expect(within(cardOf('Primary')).getByTestId(ids.next)).toHaveTextContent('Sam');
    expect(within(cardOf('Secondary')).getByTestId(ids.now)).toHaveTextContent('Nobody');

    const warnings = screen.getByTestId(ids.gapWarnings);
    expect(warnings).toHaveTextContent('Nobody on call: 1 gap in the next 7 days');
    expect(within(warnings).getByTestId(ids.gapWarning)).toHaveAttribute('data-schedule-id', secondary.scheduleId);

    // The timeline: the layer row, the overrides row and the combined row, whose gaps are marked.
    const timeline = await within(cardOf('Secondary')).findByTestId(ids.timeline);
    const rows = within(timeline).getAllByTestId(ids.timelineRow);
    expect(rows.map((r) => r.getAttribute('data-row'))).toEqual(['layer', 'overrides', 'combined']);
    expect(rows[1]).toHaveTextContent('No overrides in these two weeks');
    const combined = within(rows[2]!).getAllByTestId(ids.bar);
    expect(combined.map((b) => b.getAttribute('data-gap'))).toEqual(['true', 'false', 'true']);
    expect(combined[1]).toHaveTextContent('Sam');
    // Three hours of 336 start the second bar.
    expect((combined[1] as HTMLElement).style.left).toMatch(/^0\.89/);

    const query = backend.requestsTo('GET', `${API}/schedules/${primary.scheduleId}/timeline`)[0]!.params!;
    expect(Date.parse(query.to) - Date.parse(query.from)).toBe(14 * 24 * HOUR);
    expect(backend.requestsTo('GET', `${API}/on-call`)[0]!.params).toEqual({ withinHours: 168, limit: 500 });
  });

  test('"Send me a test page" tries each of my contact methods and lists each outcome', async () => {
    backend.on(
      'POST',
      `${API}/people/${sam.id}/test-page`,
      reply(200, {
        items: [
          { kind: 'ntfy', target: 'sam-phone', channel: 'ntfy', delivered: true, error: null, durationMs: 40 },
          {
            kind: 'email',
            target: 'sam@example.com',
            channel: null,
            delivered: false,
            error: 'there is no email channel to carry it',
            durationMs: 0,
          },
        ],
      })
    );
    renderPage();
    await screen.findAllByTestId(ids.schedule);
    fireEvent.click(screen.getByTestId(ids.testPage));

    const results = await screen.findAllByTestId(ids.testPageResult);
    expect(results.map((r) => r.getAttribute('data-delivered'))).toEqual(['true', 'false']);
    expect(results[1]).toHaveTextContent(
      'Not delivered: email sam@example.com (there is no email channel to carry it)'
    );
    expect(screen.getByText('1 of 2 contact methods did not get the test page')).toBeInTheDocument();
    expect(backend.requestsTo('POST', `${API}/people/${sam.id}/test-page`)).toHaveLength(1);
  });

  test('"Take the pager" for 4 hours makes an override for the signed-in person from now, then reloads', async () => {
    backend.on('POST', `${API}/schedules/${primary.scheduleId}/overrides`, (r) =>
      reply(201, {
        id: 'o1',
        scheduleId: primary.scheduleId,
        personId: sam.id,
        start: isoNow(),
        end: r.data.end,
        note: r.data.note,
        createdBy: 'admin',
        createdAt: isoNow(),
      })
    );
    renderPage();
    await screen.findAllByTestId(ids.schedule);
    const before = Date.now();
    fireEvent.click(within(cardOf('Primary')).getByTestId(ids.takePager));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'For 4 hours' }));

    expect(await screen.findByTestId(ids.actionDone)).toHaveTextContent('You have the pager of Primary until');
    const [request] = backend.requestsTo('POST', `${API}/schedules/${primary.scheduleId}/overrides`);
    expect(request!.data).toEqual({ personId: sam.id, end: expect.any(String), note: 'took the pager' });
    const end = Date.parse(request!.data.end);
    expect(end - before).toBeGreaterThanOrEqual(4 * HOUR);
    expect(end - before).toBeLessThan(4 * HOUR + 10_000);
    await waitFor(() => expect(backend.requestsTo('GET', `${API}/on-call`)).toHaveLength(2));
    expect(backend.requestsTo('GET', `${API}/schedules/${primary.scheduleId}/timeline`)).toHaveLength(2);
  });

  test('"Take the pager" until the hand-off, and a refusal shown with the sidecar\'s message', async () => {
    backend.on(
      'POST',
      `${API}/schedules/${primary.scheduleId}/overrides`,
      reply(503, envelope('DATABASE_UNAVAILABLE', 'The database is unavailable'))
    );
    renderPage();
    await screen.findAllByTestId(ids.schedule);
    fireEvent.click(within(cardOf('Primary')).getByTestId(ids.takePager));
    fireEvent.click(await screen.findByRole('menuitem', { name: /^Until the hand-off/ }));
    expect(await screen.findByTestId(ids.actionError)).toHaveTextContent('The database is unavailable');
    const [request] = backend.requestsTo('POST', `${API}/schedules/${primary.scheduleId}/overrides`);
    expect(request!.data.end).toBe(primary.current.end);
  });

  test('"Cover for…" is prefilled (me, from now to the hand-off) and sends the range', async () => {
    backend.on('POST', `${API}/schedules/${primary.scheduleId}/overrides`, (r) =>
      reply(201, { id: 'o2', scheduleId: primary.scheduleId, ...r.data, createdBy: 'admin', createdAt: isoNow() })
    );
    renderPage();
    await screen.findAllByTestId(ids.schedule);
    fireEvent.click(within(cardOf('Primary')).getByTestId(ids.coverFor));
    const form = await screen.findByTestId(testIds.coverForm.form);
    fireEvent.click(within(form).getByTestId(testIds.coverForm.submit));

    expect(await screen.findByTestId(ids.actionDone)).toHaveTextContent('Sam covers Primary until');
    const [request] = backend.requestsTo('POST', `${API}/schedules/${primary.scheduleId}/overrides`);
    expect(request!.data).toMatchObject({ personId: sam.id, end: primary.current.end, note: 'covering for Alex' });
    expect(Math.abs(Date.parse(request!.data.start) - Date.now())).toBeLessThan(60_000);
  });

  test('clicking a shift offers to cover exactly that shift', async () => {
    renderPage();
    const timeline = await within(await waitFor(() => cardOf('Primary'))).findByTestId(ids.timeline);
    const layer = within(timeline).getAllByTestId(ids.timelineRow)[0]!;
    fireEvent.click(within(layer).getByRole('button', { name: /^Cover Sam's shift/ }));
    const form = await screen.findByTestId(testIds.coverForm.form);
    expect(within(form).getByDisplayValue('covering for Sam')).toBeInTheDocument();
  });

  test('a Viewer sees who is on call without the take and cover controls', async () => {
    signInAs('sam', 'Viewer');
    renderPage();
    await screen.findAllByTestId(ids.schedule);
    expect(screen.getByTestId(ids.readOnly)).toHaveTextContent('Your role can see who is on call');
    expect(screen.queryByTestId(ids.takePager)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.coverFor)).not.toBeInTheDocument();
    expect(within(cardOf('Primary')).queryAllByRole('button', { name: /^Cover / })).toHaveLength(0);
  });

  test('someone who is not among the on-call people cannot take the pager, and is told why', async () => {
    signInAs('robin');
    renderPage();
    await screen.findAllByTestId(ids.schedule);
    expect(screen.getAllByTestId(ids.notAPerson)).toHaveLength(2);
    expect(screen.queryByTestId(ids.takePager)).not.toBeInTheDocument();
  });

  test('no schedules: says what a schedule is', async () => {
    backend.on('GET', `${API}/on-call`, reply(200, { at: isoNow(), items: [], warnings: [] }));
    renderPage();
    expect(await screen.findByTestId(ids.empty)).toHaveTextContent('No schedules yet');
    expect(screen.queryByTestId(ids.gapWarnings)).not.toBeInTheDocument();
  });

  test("the sidecar's error envelope is shown, with a retry that loads the page", async () => {
    backend.on('GET', `${API}/on-call`, reply(503, envelope('DATABASE_UNAVAILABLE', 'The database is unavailable')));
    renderPage();
    const alert = await screen.findByTestId(ids.pageError);
    expect(alert).toHaveTextContent('Could not load who is on call');
    expect(alert).toHaveTextContent('DATABASE_UNAVAILABLE');
    backend.on('GET', `${API}/on-call`, reply(200, { at: isoNow(), items: [primary], warnings: [] }));
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId(ids.schedule)).toHaveAttribute('data-schedule-name', 'Primary');
    expect(screen.queryByTestId(ids.pageError)).not.toBeInTheDocument();
  });
});

function isoNow() {
  return new Date().toISOString();
}
