import React from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Alert } from '../../api/types';
import { testIds } from '../../components/testIds';
import { installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { DEFAULT_ALERT_VIEW, parseAlertView, serializeAlertView } from './alertFilters';
import { AlertsPage } from './AlertsPage';

const LIST = '/api/plugin-proxy/reliability-studio-app/api/alerts';
const ids = testIds.alerts;

let seq = 0;
function makeAlert(overrides: Partial<Alert> = {}): Alert {
  seq++;
  const at = new Date(Date.now() - 10 * 60_000).toISOString();
  return {
    id: `c0000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    source: 'alertmanager',
    fingerprint: `fp${seq}`,
    status: 'firing',
    alertname: `Alert${seq}`,
    severity: 'high',
    labels: { alertname: `Alert${seq}`, service: 'checkout' },
    annotations: {},
    startsAt: at,
    endsAt: null,
    generatorUrl: null,
    details: {},
    groupKey: 'g',
    groupDescription: '',
    ruleId: null,
    suppressedBy: null,
    incident: null,
    firstSeenAt: at,
    lastSeenAt: at,
    count: 1,
    ...overrides,
  };
}

function LocationProbe() {
  return <div data-testid="location">{useLocation().search}</div>;
}

const renderPage = (url = '/alerts') =>
  render(
    <MemoryRouter initialEntries={[url]}>
      <Routes>
        <Route path="/alerts" element={<AlertsPage />} />
      </Routes>
      <LocationProbe />
    </MemoryRouter>
  );

const search = () => screen.getByTestId('location').textContent;
const lastParams = (backend: FakeBackendSrv) => backend.requestsTo('GET', LIST).at(-1)?.params;

describe('alert view in the URL', () => {
  test('round-trips and drops unknown values', () => {
    const view = {
      status: ['firing' as const],
      severity: ['critical' as const],
      source: ['grafana' as const],
      alertname: 'HighErrorRate',
      incident: 'without' as const,
    };
    expect(parseAlertView(serializeAlertView(view))).toEqual(view);
    expect(parseAlertView(new URLSearchParams('status=burning&incident=maybe'))).toEqual(DEFAULT_ALERT_VIEW);
  });
});

describe('AlertsPage', () => {
  let backend: FakeBackendSrv;
  beforeEach(() => {
    backend = installFakeBackendSrv();
  });

  test('shows each alert firing or resolved, with its incident linked', async () => {
    backend.on(
      'GET',
      LIST,
      reply(200, {
        items: [
          makeAlert({
            alertname: 'HighErrorRate',
            annotations: { summary: 'Checkout 5xx above 5%' },
            incident: { id: 'd0000000-0000-4000-8000-000000000001', reference: 'INC-12', status: 'investigating' },
            count: 3,
          }),
          makeAlert({ alertname: 'DiskFull', status: 'resolved', severity: 'low' }),
        ],
        nextCursor: null,
      })
    );
    renderPage();
    const rows = await screen.findAllByTestId(ids.row);
    expect(rows.map((r) => r.dataset.alertStatus)).toEqual(['firing', 'resolved']);
    const first = within(rows[0]);
    expect(first.getByText('Firing')).toBeInTheDocument();
    expect(first.getByText('Checkout 5xx above 5%')).toBeInTheDocument();
    expect(first.getByRole('link', { name: 'INC-12' })).toHaveAttribute(
      'href',
      '/a/reliability-studio-app/incidents/d0000000-0000-4000-8000-000000000001'
    );
    expect(first.getByText('Investigating')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Resolved')).toBeInTheDocument();
    expect(within(rows[1]).getByText('None')).toBeInTheDocument();
  });

  test('filters from a shared URL and writes new filters back to it', async () => {
    backend.on('GET', LIST, reply(200, { items: [makeAlert()], nextCursor: null }));
    renderPage('/alerts?status=firing&severity=critical&incident=with');
    await screen.findAllByTestId(ids.row);
    expect(lastParams(backend)).toEqual({ status: 'firing', severity: 'critical', hasIncident: 'true', limit: 100 });
    expect(within(screen.getByTestId(ids.statusFilter)).getByRole('radio', { name: 'Firing' })).toBeChecked();

    fireEvent.click(within(screen.getByTestId(ids.sourceFilter)).getByRole('checkbox', { name: 'Grafana' }));
    await waitFor(() => expect(search()).toBe('?status=firing&severity=critical&source=grafana&incident=with'));
    await waitFor(() => expect(lastParams(backend)).toMatchObject({ source: 'grafana' }));

    fireEvent.change(screen.getByTestId(ids.alertname), { target: { value: 'HighErrorRate' } });
    fireEvent.submit(screen.getByTestId(ids.alertname).closest('form')!);
    await waitFor(() => expect(lastParams(backend)).toMatchObject({ alertname: 'HighErrorRate' }));
    expect(search()).toContain('alertname=HighErrorRate');
  });

  test('pages with the cursor and says when nothing matches', async () => {
    backend.on('GET', LIST, (request) =>
      request.params?.cursor
        ? reply(200, { items: [makeAlert({ alertname: 'Older' })], nextCursor: null })
        : reply(200, { items: [makeAlert({ alertname: 'Newer' })], nextCursor: 'c1' })
    );
    renderPage();
    fireEvent.click(await screen.findByTestId(ids.loadMore));
    await screen.findByText('Older');
    expect(screen.getAllByTestId(ids.row)).toHaveLength(2);
    expect(screen.queryByTestId(ids.loadMore)).not.toBeInTheDocument();

    backend.on('GET', LIST, reply(200, { items: [], nextCursor: null }));
    fireEvent.click(within(screen.getByTestId(ids.statusFilter)).getByRole('radio', { name: 'Resolved' }));
    expect(await screen.findByTestId(ids.empty)).toHaveTextContent('No alerts match these filters');
  });
});
