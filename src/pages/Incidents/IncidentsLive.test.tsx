import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { act, render, screen, waitFor } from '@testing-library/react';
import { LiveClient } from '../../api/live';
import type { Incident } from '../../api/types';
import { testIds } from '../../components/testIds';
import { installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { FakeSocket } from '../../testUtils/fakeSocket';
import { fakeLayout } from '../../testUtils/layout';
import { makeIncident } from '../../testUtils/fixtures';
import { IncidentsPage } from './IncidentsPage';
import { RETRY_FAILED_LOAD_MS } from './useLiveIncidents';

let mockClient: LiveClient | null = null;
jest.mock('../../api/liveHooks', () => ({
  ...jest.requireActual('../../api/liveHooks'),
  useLiveClient: () => mockClient,
}));

const LIST = '/api/plugin-proxy/reliability-studio-app/api/incidents';
const ids = testIds.incidents;
let seq = 100;
const updated = (incident: Incident) => ({
  type: 'event',
  seq: ++seq,
  topic: 'incidents',
  event: 'incident.updated',
  data: { incident, changes: ['status_changed'] },
  actor: 'robin',
  at: new Date().toISOString(),
});
const rowOf = (incident: Incident) =>
  screen.queryAllByTestId(ids.row).find((r) => r.dataset.incidentId === incident.id);

jest.setTimeout(20_000);

describe('IncidentsPage, live', () => {
  let backend: FakeBackendSrv;
  const older = makeIncident({ title: 'Search slow', status: 'investigating', startedAt: '2026-01-01T10:00:00.000Z' });
  const newer = makeIncident({ title: 'Checkout 500s', status: 'open', startedAt: '2026-01-01T11:00:00.000Z' });

  let restoreLayout: () => void;
  beforeEach(() => {
    // The list is virtualized: without a layout it would render no row.
    restoreLayout = fakeLayout();
    backend = installFakeBackendSrv();
    backend.on('GET', LIST, reply(200, { items: [newer, older], nextCursor: null }));
    backend.on('GET', `${LIST.replace(/incidents$/, 'services')}`, reply(200, { items: [] }));
    mockClient = new LiveClient({
      url: 'ws://sidecar.test/live',
      getTicket: async () => 'lt_test',
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
      downAfterMs: 50,
      baseDelayMs: 20,
      maxDelayMs: 40,
    });
  });
  afterEach(() => {
    mockClient?.close();
    restoreLayout();
  });

  const renderPage = () =>
    render(
      <MemoryRouter initialEntries={['/incidents']}>
        <Routes>
          <Route path="/incidents" element={<IncidentsPage />} />
        </Routes>
      </MemoryRouter>
    );

  /** The fake sidecar accepts the page's live link and confirms the subscription. */
  async function goLive() {
    await waitFor(() => expect(FakeSocket.latest?.url).toBe('ws://sidecar.test/live?ticket=lt_test'));
    FakeSocket.latest!.serverOpens(seq, ['incidents']);
    await waitFor(() => expect(screen.getByTestId(ids.liveStatus)).toHaveAttribute('data-live-state', 'live'));
    return FakeSocket.latest!;
  }

  /** The page with its list loaded, then live. */
  async function renderLive() {
    renderPage();
    await screen.findAllByTestId(ids.row);
    return goLive();
  }

  /** The page live at once, whatever its list did. */
  async function openPage() {
    renderPage();
    return goLive();
  }

  test('applies changes from the feed to the rows without a reload', async () => {
    const socket = await renderLive();
    // Going live refetches once, to cover what changed between the first fetch and the subscription.
    await waitFor(() => expect(backend.requestsTo('GET', LIST)).toHaveLength(2));

    socket.serverSends(updated({ ...older, status: 'identified', version: 2 }));
    await waitFor(() => expect(rowOf(older)).toHaveAttribute('data-incident-status', 'identified'));
    // Older news (a lower version) does not undo it.
    socket.serverSends(updated({ ...older, status: 'open', version: 1 }));
    expect(rowOf(older)).toHaveAttribute('data-incident-status', 'identified');

    // Resolved leaves the default "Active" filter.
    socket.serverSends(updated({ ...newer, status: 'resolved', version: 2 }));
    await waitFor(() => expect(rowOf(newer)).toBeUndefined());

    const declared = makeIncident({ title: 'Payments timeouts', startedAt: '2026-01-01T12:00:00.000Z' });
    socket.serverSends({
      type: 'event',
      seq: ++seq,
      topic: 'incidents',
      event: 'incident.created',
      data: declared,
      actor: 'a',
      at: '',
    });
    await waitFor(() => expect(screen.getAllByTestId(ids.row)[0]).toHaveAttribute('data-incident-id', declared.id));
    expect(backend.requestsTo('GET', LIST)).toHaveLength(2);
  });

  test('fetches a list that failed to load again once the link is up, at once when an event arrives', async () => {
    // The sidecar restarting: the first load fails through the proxy, the live link comes up meanwhile.
    let isDown = true;
    backend.on('GET', LIST, () =>
      isDown ? reply(502, undefined, 'Bad Gateway') : reply(200, { items: [newer, older], nextCursor: null })
    );
    const socket = await openPage();
    await screen.findByText(/Bad Gateway/);
    expect(screen.queryAllByTestId(ids.row)).toHaveLength(0);

    isDown = false;
    const fetched = backend.requestsTo('GET', LIST).length;
    socket.serverSends(updated({ ...older, status: 'identified', version: 2 }));
    // Sooner than the periodic retry would.
    expect(await screen.findAllByTestId(ids.row, {}, { timeout: RETRY_FAILED_LOAD_MS / 3 })).toHaveLength(2);
    expect(backend.requestsTo('GET', LIST)).toHaveLength(fetched + 1);
  });

  test('retries a failed load every few seconds while the link is up, without an event', async () => {
    let isDown = true;
    backend.on('GET', LIST, () =>
      isDown ? reply(502, undefined, 'Bad Gateway') : reply(200, { items: [newer, older], nextCursor: null })
    );
    await openPage();
    const failedAt = backend.requestsTo('GET', LIST).length;
    isDown = false;
    expect(await screen.findAllByTestId(ids.row, {}, { timeout: RETRY_FAILED_LOAD_MS + 2000 })).toHaveLength(2);
    expect(backend.requestsTo('GET', LIST).length).toBeGreaterThan(failedAt);
  });

  test('says when the live link is down and when it is back, and resumes from the last seq', async () => {
    const first = await renderLive();
    first.serverSends(updated({ ...older, status: 'identified', version: 2 }));
    first.serverDrops();
    expect(await screen.findByTestId(ids.liveDown)).toBeInTheDocument();
    expect(screen.getByTestId(ids.liveStatus)).toHaveAttribute('data-live-state', 'down');

    await waitFor(() => expect(FakeSocket.latest).not.toBe(first));
    const second = FakeSocket.latest!;
    second.readyState = 1;
    act(() => second.onopen?.());
    expect(second.sent[0]).toEqual({ type: 'subscribe', topics: ['incidents'], since: seq });
    second.serverSends(updated({ ...older, status: 'monitoring', version: 3 }));
    second.serverSends({ type: 'subscribed', topics: ['incidents'], seq });

    expect(await screen.findByTestId(ids.liveRecovered)).toBeInTheDocument();
    expect(screen.queryByTestId(ids.liveDown)).not.toBeInTheDocument();
    expect(rowOf(older)).toHaveAttribute('data-incident-status', 'monitoring');
  });
});
