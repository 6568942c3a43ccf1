import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { LiveClient } from '../../api/live';
import type { Incident } from '../../api/types';
import { testIds } from '../../components/testIds';
import { makeTimelineEvent } from '../../testUtils/evidenceFixtures';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { FakeSocket } from '../../testUtils/fakeSocket';
import { makeIncident } from '../../testUtils/fixtures';
import { makeEscalation, makeFiredStep, makePage } from '../../testUtils/onCallFixtures';
import { WarRoomPage } from './WarRoomPage';

let mockClient: LiveClient | null = null;
jest.mock('../../api/liveHooks', () => ({
  ...jest.requireActual('../../api/liveHooks'),
  useLiveClient: () => mockClient,
}));

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.paging;

jest.setTimeout(30_000);

describe('War room paging panel', () => {
  let backend: FakeBackendSrv;
  let incident: Incident;
  let url: string;
  const saved = config.bootData;

  beforeEach(() => {
    backend = installFakeBackendSrv();
    incident = makeIncident({ reference: 'INC-7', title: 'Checkout 500s', status: 'open' });
    url = `${API}/incidents/${incident.id}`;
    backend.on('GET', url, reply(200, incident));
    backend.on('GET', `${url}/impact`, reply(200, { items: [] }));
    backend.on('GET', `${url}/timeline`, reply(200, { items: [] }));
    backend.on('GET', `${url}/correlations`, reply(200, { run: null, findings: [] }));
    backend.on('GET', `${url}/hypotheses`, reply(200, { items: [] }));
    backend.on('GET', `${url}/escalation`, reply(200, makeEscalation(incident.id)));
    mockClient = null;
  });

  afterEach(() => {
    mockClient?.close();
    config.bootData = saved;
  });

  const renderPage = () =>
    render(
      <MemoryRouter initialEntries={[`/incidents/${incident.id}`]}>
        <Routes>
          <Route path="/incidents/:id" element={<WarRoomPage />} />
        </Routes>
      </MemoryRouter>
    );

  test('shows who was paged, when, through what and whether it arrived, and when the next step fires', async () => {
    backend.on(
      'GET',
      `${url}/escalation`,
      reply(
        200,
        makeEscalation(incident.id, {
          steps: [
            makeFiredStep({
              pages: [
                makePage(),
                makePage({
                  state: 'dead',
                  deliveredAt: null,
                  lastError: '404 from ntfy',
                  channelName: 'ntfy',
                  recipient: { personId: 'a1', login: 'sam', name: 'Sam', kind: 'ntfy', target: 'sam-pager' },
                }),
              ],
            }),
          ],
        })
      )
    );
    renderPage();
    const panel = await screen.findByTestId(ids.panel);
    expect(panel).toHaveAttribute('data-state', 'active');
    expect(panel).toHaveTextContent('PagingActive');
    const step = within(panel).getByTestId(ids.step);
    expect(step).toHaveTextContent('Step 1: Sam (on call in Primary)');
    expect(step).toHaveTextContent('high urgency');
    const pages = within(step).getAllByTestId(ids.page);
    expect(pages.map((p) => p.getAttribute('data-state'))).toEqual(['delivered', 'dead']);
    expect(pages[0]).toHaveTextContent('Delivered Sam by email (sam@example.com) through email');
    expect(pages[1]).toHaveTextContent('Not delivered Sam by ntfy (sam-pager) through ntfy');
    expect(pages[1]).toHaveTextContent('404 from ntfy');
    expect(within(panel).getByTestId(ids.nextStep)).toHaveTextContent('Step 2 of 2 fires at');
    // One Acknowledge button on the page: in the panel, while someone is paged.
    expect(screen.getAllByTestId(testIds.warRoom.acknowledge)).toHaveLength(1);
    expect(within(panel).getByTestId(testIds.warRoom.acknowledge)).toBeInTheDocument();
  });

  test('"Escalate now" posts to /escalate and shows the step it fired', async () => {
    const escalated = makeEscalation(incident.id, {
      step: 2,
      nextStepAt: null,
      state: 'exhausted',
      steps: [
        makeFiredStep(),
        makeFiredStep({
          step: 1,
          trigger: 'escalate_now',
          firedBy: 'robin',
          target: { kind: 'channel', id: 'c1', name: '#payments' },
          pages: [makePage({ recipient: null, channelName: '#payments', channelKind: 'slack' })],
        }),
      ],
    });
    backend.on('POST', `${url}/escalate`, reply(200, escalated));
    renderPage();
    fireEvent.click(await screen.findByTestId(ids.escalateNow));
    await waitFor(() => expect(screen.getAllByTestId(ids.step)).toHaveLength(2));
    expect(backend.requestsTo('POST', `${url}/escalate`)).toHaveLength(1);
    const second = screen.getAllByTestId(ids.step)[1]!;
    expect(second).toHaveAttribute('data-trigger', 'escalate_now');
    expect(second).toHaveTextContent('Step 2: #payments');
    expect(second).toHaveTextContent('escalated now by robin');
    expect(within(second).getByTestId(ids.page)).toHaveTextContent('#payments (slack)');
    expect(screen.getByTestId(ids.panel)).toHaveAttribute('data-state', 'exhausted');
    expect(screen.queryByTestId(ids.escalateNow)).not.toBeInTheDocument();
  });

  test('"Escalate now" on an escalation someone stopped says so and shows how it stands', async () => {
    backend.on(
      'POST',
      `${url}/escalate`,
      reply(409, envelope('ESCALATION_NOT_ACTIVE', 'The escalation of this incident is acknowledged'))
    );
    renderPage();
    fireEvent.click(await screen.findByTestId(ids.escalateNow));
    backend.on(
      'GET',
      `${url}/escalation`,
      reply(
        200,
        makeEscalation(incident.id, {
          state: 'acknowledged',
          nextStepAt: null,
          stoppedBy: 'sam',
          stoppedAt: new Date().toISOString(),
        })
      )
    );
    expect(await screen.findByTestId(ids.escalateError)).toHaveTextContent(
      'The escalation of this incident is acknowledged'
    );
    await waitFor(() => expect(screen.getByTestId(ids.panel)).toHaveAttribute('data-state', 'acknowledged'));
    expect(screen.getByTestId(ids.panel)).toHaveTextContent('Acknowledged by sam');
  });

  test('an incident that paged nobody says so, and the header keeps the Acknowledge button', async () => {
    backend.on('GET', `${url}/escalation`, reply(404, envelope('ESCALATION_NOT_FOUND', 'Incident has no escalation')));
    renderPage();
    expect(await screen.findByTestId(ids.empty)).toHaveTextContent('Nobody was paged for this incident');
    expect(
      within(screen.getByTestId(testIds.warRoom.header)).getByTestId(testIds.warRoom.acknowledge)
    ).toBeInTheDocument();
    expect(screen.queryByTestId(ids.error)).not.toBeInTheDocument();
  });

  test('a failed load shows the error envelope', async () => {
    backend.on('GET', `${url}/escalation`, reply(503, envelope('DATABASE_UNAVAILABLE', 'The database is unavailable')));
    renderPage();
    expect(await screen.findByTestId(ids.error)).toHaveTextContent('The database is unavailable');
  });

  test('a Viewer sees the paging without Acknowledge or Escalate now', async () => {
    config.bootData = {
      ...config.bootData,
      user: { ...config.bootData?.user, orgRole: 'Viewer' },
    } as typeof config.bootData;
    renderPage();
    expect(await screen.findByTestId(ids.step)).toBeInTheDocument();
    expect(screen.queryByTestId(ids.escalateNow)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.warRoom.acknowledge)).not.toBeInTheDocument();
  });

  test('refreshes when the live timeline brings an escalation or notification entry', async () => {
    mockClient = new LiveClient({
      url: 'ws://sidecar.test/live',
      getTicket: async () => 'lt_test',
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
      downAfterMs: 50,
      baseDelayMs: 20,
      maxDelayMs: 40,
    });
    renderPage();
    await screen.findByTestId(ids.step);
    await waitFor(() => expect(FakeSocket.latest?.url).toBe('ws://sidecar.test/live?ticket=lt_test'));
    const socket = FakeSocket.latest!;
    socket.serverOpens(10, ['incidents', `incident:${incident.id}`]);
    await waitFor(() => expect(backend.requestsTo('GET', `${url}/escalation`).length).toBeGreaterThanOrEqual(1));
    const before = backend.requestsTo('GET', `${url}/escalation`).length;

    backend.on(
      'GET',
      `${url}/escalation`,
      reply(
        200,
        makeEscalation(incident.id, { steps: [makeFiredStep(), makeFiredStep({ step: 1, trigger: 'timer' })] })
      )
    );
    const entry = makeTimelineEvent('escalation', { incidentId: incident.id, message: 'Step 2 paged Sam' });
    socket.serverSends({
      type: 'event',
      seq: 11,
      topic: `incident:${incident.id}`,
      event: 'timeline.added',
      data: entry,
    });
    await waitFor(() => expect(screen.getAllByTestId(ids.step)).toHaveLength(2));
    expect(backend.requestsTo('GET', `${url}/escalation`).length).toBeGreaterThan(before);
  });
});
