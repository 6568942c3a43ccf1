import React from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Incident } from '../../api/types';
import { testIds } from '../../components/testIds';
import { installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeIncident, makeService } from '../../testUtils/fixtures';
import { fakeLayout } from '../../testUtils/layout';
import { IncidentsPage } from './IncidentsPage';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const LIST = `${API}/incidents`;
const ids = testIds.incidents;

function LocationProbe() {
  const location = useLocation();
  return <div data-testid="location">{location.search}</div>;
}

function renderPage(url: string) {
  return render(
    <MemoryRouter initialEntries={[url]}>
      <Routes>
        <Route path="/incidents" element={<IncidentsPage />} />
      </Routes>
      <LocationProbe />
    </MemoryRouter>
  );
}

const search = () => screen.getByTestId('location').textContent ?? '';
const lastParams = (backend: FakeBackendSrv) => backend.requestsTo('GET', LIST).at(-1)?.params;

jest.setTimeout(20_000);

describe('IncidentsPage filters, sorting and the virtualized list', () => {
  let backend: FakeBackendSrv;
  let restoreLayout: () => void;

  beforeEach(() => {
    restoreLayout = fakeLayout(400);
    backend = installFakeBackendSrv();
    backend.on('GET', `${API}/services`, reply(200, { items: [makeService('checkout'), makeService('search')] }));
    backend.on('GET', LIST, reply(200, { items: [makeIncident({ title: 'One' })], nextCursor: null }));
  });
  afterEach(() => restoreLayout());

  test('a shared URL restores the view: every filter and the sort reach the sidecar and the controls', async () => {
    renderPage('/incidents?status=all&severity=critical,high&service=checkout&q=disk&range=7d&sort=severity');
    await screen.findAllByTestId(ids.row);
    const params = lastParams(backend)!;
    expect(params).toMatchObject({ severity: 'critical,high', service: 'checkout', q: 'disk', sort: 'severity' });
    expect(params.status).toBeUndefined();
    expect(Date.now() - Date.parse(params.from)).toBeGreaterThanOrEqual(7 * 24 * 3_600_000);
    expect(Date.now() - Date.parse(params.from)).toBeLessThan(7 * 24 * 3_600_000 + 60_000);

    const severities = within(screen.getByTestId(ids.severityFilter));
    expect(severities.getByRole('checkbox', { name: 'Critical' })).toBeChecked();
    expect(severities.getByRole('checkbox', { name: 'Low' })).not.toBeChecked();
    expect(within(screen.getByTestId(ids.rangeFilter)).getByRole('radio', { name: '7d' })).toBeChecked();
    expect(within(screen.getByTestId(ids.sort)).getByRole('radio', { name: 'Severity' })).toBeChecked();
    expect(screen.getByTestId(ids.search)).toHaveValue('disk');
    expect(screen.getByTestId(ids.serviceFilter)).toHaveValue('checkout');
  });

  test('changing filters writes them to the URL and asks the sidecar again', async () => {
    renderPage('/incidents');
    await screen.findAllByTestId(ids.row);
    expect(lastParams(backend)).toEqual({ status: 'open,investigating,identified,monitoring', limit: 50 });

    fireEvent.click(within(screen.getByTestId(ids.severityFilter)).getByRole('checkbox', { name: 'High' }));
    await waitFor(() => expect(search()).toBe('?severity=high'));
    await waitFor(() => expect(lastParams(backend)).toMatchObject({ severity: 'high' }));

    fireEvent.click(within(screen.getByTestId(ids.sort)).getByRole('radio', { name: 'Duration' }));
    await waitFor(() => expect(search()).toBe('?severity=high&sort=duration'));
    await waitFor(() => expect(lastParams(backend)).toMatchObject({ severity: 'high', sort: 'duration' }));

    // Typing is debounced: one request for the whole word.
    const before = backend.requestsTo('GET', LIST).length;
    fireEvent.change(screen.getByTestId(ids.search), { target: { value: 'c' } });
    fireEvent.change(screen.getByTestId(ids.search), { target: { value: 'cpu' } });
    await waitFor(() => expect(search()).toBe('?severity=high&q=cpu&sort=duration'));
    await waitFor(() => expect(backend.requestsTo('GET', LIST)).toHaveLength(before + 1));
    expect(lastParams(backend)).toMatchObject({ q: 'cpu' });

    fireEvent.click(screen.getByTestId(ids.clearFilters));
    await waitFor(() => expect(search()).toBe('?sort=duration'));
  });

  test('says when nothing matches the filters and offers to clear them', async () => {
    backend.on('GET', LIST, reply(200, { items: [], nextCursor: null }));
    renderPage('/incidents?severity=low&q=nothing');
    const empty = await screen.findByTestId(ids.empty);
    expect(empty).toHaveTextContent('No incidents match these filters');
    fireEvent.click(within(empty).getByRole('button', { name: /clear filters/i }));
    await waitFor(() => expect(search()).toBe(''));
  });

  test('renders only a window of 10,000 rows and loads the next page when scrolled near the end', async () => {
    const many: Incident[] = Array.from({ length: 10_000 }, (_, n) => makeIncident({ title: `Bulk ${n}` }));
    backend.on('GET', LIST, (request) =>
      request.params?.cursor
        ? reply(200, { items: [makeIncident({ title: 'From page two' })], nextCursor: null })
        : reply(200, { items: many, nextCursor: 'next-page' })
    );
    renderPage('/incidents?status=all');
    const rows = await screen.findAllByTestId(ids.row);
    // 400 px of viewport at 56 px a row, plus the overscan: a few dozen at most, never ten thousand.
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(rows[0]).toHaveTextContent('Bulk 0');
    expect(screen.getByTestId(ids.list)).toHaveAttribute('aria-rowcount', '10001');
    expect(backend.requestsTo('GET', LIST)).toHaveLength(1);

    const scroller = screen.getByTestId(ids.scroller);
    await act(async () => {
      scroller.scrollTop = 9_990 * 56;
      fireEvent.scroll(scroller);
    });
    await waitFor(() => expect(screen.getAllByTestId(ids.row).at(-1)).toHaveTextContent('From page two'));
    expect(screen.getAllByTestId(ids.row).length).toBeLessThan(40);
    expect(screen.queryByText('Bulk 0')).not.toBeInTheDocument();
    expect(lastParams(backend)).toEqual({ limit: 50, cursor: 'next-page' });
  });
});
