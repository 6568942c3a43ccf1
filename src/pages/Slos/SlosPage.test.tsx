import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { render, screen, within } from '@testing-library/react';
import type { Slo, SloStatus } from '../../api/types';
import { testIds } from '../../components/testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { SlosPage } from './SlosPage';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.slos;

function makeSlo(name: string, overrides: Partial<Slo> = {}): Slo {
  return {
    id: `00000000-0000-4000-8000-0000000000${name.length.toString().padStart(2, '0')}`,
    service: 'checkout',
    name,
    description: '',
    sli: { type: 'ratio', good: 'good[{{window}}]', total: 'total[{{window}}]' },
    objective: 99.9,
    window: { type: 'rolling', days: 30 },
    burnRateAlerts: [],
    createdBy: 'admin',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    version: 1,
    ...overrides,
  };
}

function makeStatus(slo: Slo, budgetRemaining: number, overrides: Partial<SloStatus> = {}): SloStatus {
  return {
    slo,
    at: '2026-01-31T00:00:00Z',
    window: { start: '2026-01-01T00:00:00Z', seconds: 2_592_000, budgetMinutes: 43.2 },
    sli: 0.9995,
    errorRatio: 0.0005,
    errorBudget: 0.001,
    budgetRemaining,
    budgetRemainingMinutes: 43.2 * budgetRemaining,
    burnRates: { '5m': 0.5, '1h': 14.4, '6h': 2, '3d': null },
    incidents: [],
    warnings: [],
    ...overrides,
  };
}

const renderPage = () =>
  render(
    <MemoryRouter>
      <SlosPage />
    </MemoryRouter>
  );

describe('SlosPage', () => {
  let backend: FakeBackendSrv;
  const healthy = makeSlo('checkout-availability', { id: 'a0000000-0000-4000-8000-000000000001' });
  const burning = makeSlo('checkout-latency', { id: 'a0000000-0000-4000-8000-000000000002', objective: 99 });
  const quiet = makeSlo('search-availability', { id: 'a0000000-0000-4000-8000-000000000003', service: 'search' });

  beforeEach(() => {
    backend = installFakeBackendSrv();
    backend.on('GET', `${API}/slos`, reply(200, { items: [healthy, burning, quiet] }));
  });

  test('lists SLOs by budget left with SLI, budget as % and minutes, burn rates and the incidents that burned it', async () => {
    backend.on('GET', `${API}/slos/${healthy.id}/status`, reply(200, makeStatus(healthy, 0.8)));
    backend.on(
      'GET',
      `${API}/slos/${burning.id}/status`,
      reply(
        200,
        makeStatus(burning, -0.25, {
          incidents: [
            {
              id: 'b0000000-0000-4000-8000-000000000009',
              reference: 'INC-9',
              title: 'Checkout slow',
              startedAt: '2026-01-20T00:00:00Z',
              resolvedAt: '2026-01-20T02:00:00Z',
              budgetBurned: 0.6,
              budgetBurnedMinutes: 25.92,
            },
          ],
        })
      )
    );
    // No traffic: no figure, so it goes last whatever its name.
    backend.on(
      'GET',
      `${API}/slos/${quiet.id}/status`,
      reply(200, makeStatus(quiet, 0, { budgetRemaining: null, sli: null, budgetRemainingMinutes: null }))
    );
    renderPage();

    await screen.findAllByTestId(ids.budget);
    const cards = await screen.findAllByTestId(ids.card);
    await within(cards[2]).findByTestId(ids.incidents);
    const ordered = screen.getAllByTestId(ids.card);
    expect(ordered.map((c) => c.dataset.sloName)).toEqual([
      'checkout-latency',
      'checkout-availability',
      'search-availability',
    ]);

    const first = within(ordered[0]);
    expect(first.getByText('99%')).toBeInTheDocument();
    expect(first.getByTestId(ids.sli)).toHaveTextContent('99.95%');
    expect(first.getByTestId(ids.budget)).toHaveTextContent('−25% · −11 m');
    expect(first.getByText('Budget exhausted')).toBeInTheDocument();
    expect(first.getByText('14.4×')).toBeInTheDocument();
    expect(first.getByRole('link', { name: 'INC-9' })).toHaveAttribute(
      'href',
      '/a/reliability-studio-app/incidents/b0000000-0000-4000-8000-000000000009'
    );
    expect(first.getByText(/60% of the budget \(26 m\)/)).toBeInTheDocument();
    expect(within(ordered[1]).getByTestId(ids.budget)).toHaveTextContent('80% · 35 m');
    expect(within(ordered[2]).getByText('No live figures')).toBeInTheDocument();
    expect(screen.queryByTestId(ids.unavailable)).not.toBeInTheDocument();
  });

  test('still lists every SLO and says plainly that live figures are unavailable when Prometheus is not configured', async () => {
    const notConfigured = reply(
      503,
      envelope('UPSTREAM_UNAVAILABLE', 'No Prometheus is configured (PROMETHEUS_URL)', {
        dependency: 'prometheus',
        reason: 'not_configured',
      })
    );
    for (const slo of [healthy, burning, quiet]) {
      backend.on('GET', `${API}/slos/${slo.id}/status`, notConfigured);
    }
    renderPage();

    const banner = await screen.findByTestId(ids.unavailable);
    expect(banner).toHaveTextContent('no Prometheus is configured');
    const cards = screen.getAllByTestId(ids.card);
    expect(cards.map((c) => c.dataset.sloName).sort()).toEqual([
      'checkout-availability',
      'checkout-latency',
      'search-availability',
    ]);
    expect(within(cards[0]).getByText('99.9%')).toBeInTheDocument();
    expect(within(cards[0]).getByTestId(ids.statusError)).toHaveTextContent('Live figures unavailable.');
    expect(screen.queryByTestId(ids.budget)).not.toBeInTheDocument();
  });

  test('says when the SLO list itself cannot be loaded', async () => {
    backend.on('GET', `${API}/slos`, reply(502, { message: 'Bad Gateway' }));
    renderPage();
    expect(await screen.findByTestId(ids.pageError)).toHaveTextContent('cannot be reached');
  });
});
