import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { getDefaultTimeRange, LoadingState, type PanelProps } from '@grafana/data';
import { testIds } from '../../components/testIds';
import { installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeIncident } from '../../testUtils/fixtures';
import { ActiveIncidentsPanel } from './ActiveIncidentsPanel';
import { DEFAULT_OPTIONS, type ActiveIncidentsOptions } from './options';

const ACTIVE = '/api/plugin-proxy/reliability-studio-app/api/incidents/active';
const ids = testIds.panel;

function renderPanel(options: Partial<ActiveIncidentsOptions> = {}) {
  const timeRange = getDefaultTimeRange();
  const props = {
    options: { ...DEFAULT_OPTIONS, ...options },
    width: 600,
    height: 300,
    timeRange,
    data: { state: LoadingState.Done, series: [], timeRange },
  } as unknown as PanelProps<ActiveIncidentsOptions>;
  return render(<ActiveIncidentsPanel {...props} />);
}

describe('ActiveIncidentsPanel', () => {
  let backend: FakeBackendSrv;
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000 - 60_000).toISOString();
  const critical = makeIncident({
    reference: 'INC-1',
    title: 'Checkout down',
    severity: 'critical',
    status: 'investigating',
    startedAt: twoHoursAgo,
    services: [{ id: 's1', name: 'checkout', impact: 'major' }],
  });
  const high = makeIncident({ reference: 'INC-2', title: 'Search slow', severity: 'high' });
  const low = makeIncident({ reference: 'INC-3', title: 'Typo on the status page', severity: 'low' });

  const page = (items: Array<typeof critical>, total = items.length, isTotalExact = true) => ({
    items,
    nextCursor: null,
    total,
    isTotalExact,
  });

  beforeEach(() => {
    backend = installFakeBackendSrv();
    backend.on('GET', ACTIVE, reply(200, page([critical, high, low])));
  });

  test('shows each active incident with severity, status, age and a link to its war room, through the proxy', async () => {
    renderPanel();
    const rows = await screen.findAllByTestId(ids.row);
    expect(rows.map((r) => r.dataset.incidentReference)).toEqual(['INC-1', 'INC-2', 'INC-3']);
    const first = within(rows[0]);
    expect(first.getByText('Critical')).toBeInTheDocument();
    expect(first.getByText('Investigating')).toBeInTheDocument();
    expect(first.getByText('2h')).toBeInTheDocument();
    expect(first.getByRole('link', { name: 'INC-1' })).toHaveAttribute(
      'href',
      `/a/reliability-studio-app/incidents/${critical.id}`
    );
    expect(backend.requestsTo('GET', ACTIVE)).toHaveLength(1);
    expect(screen.queryByText(/more$/)).not.toBeInTheDocument();
  });

  test('asks the sidecar for the rows it shows only (severity floor, row limit) and says how many it left out', async () => {
    backend.on('GET', ACTIVE, reply(200, page([critical], 2)));
    renderPanel({ minSeverity: 'high', maxRows: 1 });
    const rows = await screen.findAllByTestId(ids.row);
    expect(rows.map((r) => r.dataset.incidentReference)).toEqual(['INC-1']);
    expect(screen.getByText('and 1 more')).toBeInTheDocument();
    expect(backend.requestsTo('GET', ACTIVE)[0]?.params).toEqual({ severity: 'critical,high', limit: 1 });
  });

  test('says "and N+ more" when the sidecar stopped counting', async () => {
    backend.on('GET', ACTIVE, reply(200, page([critical, high], 1000, false)));
    renderPanel({ maxRows: 2 });
    expect(await screen.findByText('and 998+ more')).toBeInTheDocument();
  });

  test('never asks for more rows than a page holds, however many the panel is set to show', async () => {
    renderPanel({ maxRows: 5000 });
    await screen.findAllByTestId(ids.row);
    expect(backend.requestsTo('GET', ACTIVE)[0]?.params).toMatchObject({ limit: 200 });
  });

  test('filters by service on the sidecar and says when nothing is active', async () => {
    backend.on('GET', ACTIVE, (request) =>
      reply(200, request.params?.service === 'payments' ? page([]) : page([critical, high, low]))
    );
    renderPanel({ service: 'payments' });
    expect(await screen.findByTestId(ids.empty)).toHaveTextContent('No active incidents');
  });

  test('says when the sidecar cannot be reached', async () => {
    backend.on('GET', ACTIVE, reply(502, { message: 'Bad Gateway' }));
    renderPanel();
    expect(await screen.findByTestId(ids.error)).toHaveTextContent('cannot be reached');
  });
});
