import React from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import type { Incident } from '../../api/types';
import { testIds } from '../../components/testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeIncident, makeService } from '../../testUtils/fixtures';
import { fakeLayout } from '../../testUtils/layout';
import { IncidentsPage } from './IncidentsPage';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const LIST = `${API}/incidents`;
const ids = testIds.incidents;
const form = testIds.declareForm;

function LocationProbe() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname + location.search}</div>;
}

function renderPage(url = '/incidents') {
  return render(
    <MemoryRouter initialEntries={[url]}>
      <Routes>
        <Route path="/incidents" element={<IncidentsPage />} />
      </Routes>
      <LocationProbe />
    </MemoryRouter>
  );
}

const page = (items: Incident[], nextCursor: string | null = null) => reply(200, { items, nextCursor });
const listRequests = (backend: FakeBackendSrv) => backend.requestsTo('GET', LIST);

async function openDeclareForm() {
  fireEvent.click(screen.getByTestId(ids.declareButton));
  return screen.findByTestId(form.form);
}

// The declare drawer and its combobox take seconds to render on a 2-core CI machine.
jest.setTimeout(45_000);

describe('IncidentsPage', () => {
  let backend: FakeBackendSrv;
  let restoreLayout: (() => void) | undefined;

  afterEach(() => {
    restoreLayout?.();
    restoreLayout = undefined;
  });

  beforeEach(() => {
    // The list is virtualized: without a layout it would render no row.
    restoreLayout = fakeLayout();
    backend = installFakeBackendSrv();
    backend.on('GET', `${API}/services`, reply(200, { items: [makeService('checkout'), makeService('payments')] }));
  });

  test('shows the active incidents from the sidecar with severity, status, services and age', async () => {
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000 - 1000).toISOString();
    const incidents = [
      makeIncident({
        reference: 'INC-42',
        title: 'Checkout returns 500',
        severity: 'critical',
        status: 'investigating',
        startedAt: fiveMinutesAgo,
        commander: 'alice',
        services: [{ id: 's1', name: 'checkout', impact: 'major' }],
      }),
      makeIncident({ reference: 'INC-41', title: 'Slow search', severity: 'low', status: 'monitoring' }),
    ];
    backend.on('GET', LIST, page(incidents));

    renderPage();

    const rows = await screen.findAllByTestId(ids.row);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveAttribute('data-incident-reference', 'INC-42');
    expect(rows[0]).toHaveAttribute('data-incident-id', incidents[0].id);
    const first = within(rows[0]);
    expect(first.getByText('Checkout returns 500')).toBeInTheDocument();
    expect(first.getByText('Critical')).toBeInTheDocument();
    expect(first.getByText('checkout')).toBeInTheDocument();
    expect(first.getByText('Commander: alice')).toBeInTheDocument();
    expect(first.getByText('5m')).toBeInTheDocument();
    expect(first.getByTestId(ids.rowStatusSelect)).toHaveTextContent('Investigating');

    // Active is the default filter: everything but resolved, newest page first.
    expect(listRequests(backend)[0].params).toEqual({ status: 'open,investigating,identified,monitoring', limit: 50 });
  });

  test('shows a clear error when the sidecar is down (proxy 502), and retries', async () => {
    backend.on('GET', LIST, reply(502, { message: 'Bad Gateway' }));
    renderPage();

    const alert = await screen.findByTestId(ids.pageError);
    expect(alert).toHaveTextContent('Cannot reach the Reliability Studio sidecar');
    expect(alert).toHaveTextContent(/Sidecar URL in the app's configuration/);
    expect(screen.queryByTestId(ids.list)).not.toBeInTheDocument();

    backend.on('GET', LIST, page([makeIncident({ title: 'Back again' })]));
    fireEvent.click(within(alert).getByRole('button', { name: /retry/i }));
    expect(await screen.findByText('Back again')).toBeInTheDocument();
    expect(screen.queryByTestId(ids.pageError)).not.toBeInTheDocument();
  });

  test('says the sidecar refused the request and shows its request id', async () => {
    backend.on('GET', LIST, reply(401, envelope('AUTH_REQUIRED', 'Invalid token', undefined, 'req-abc')));
    renderPage();

    const alert = await screen.findByTestId(ids.pageError);
    expect(alert).toHaveTextContent('The Reliability Studio sidecar refused the request');
    expect(alert).toHaveTextContent('Invalid token');
    expect(alert).toHaveTextContent('req-abc');
    expect(alert).toHaveTextContent(/Sidecar token/);
  });

  test('explains how to declare the first incident when there is none', async () => {
    backend.on('GET', LIST, page([]));
    renderPage();

    const empty = await screen.findByTestId(ids.empty);
    expect(empty).toHaveTextContent('No active incidents');
    fireEvent.click(within(empty).getByRole('button', { name: /declare incident/i }));
    expect(await screen.findByTestId(form.form)).toBeInTheDocument();
  });

  test('keeps the status filter in the URL and queries by it', async () => {
    backend.on('GET', LIST, page([]));
    renderPage('/incidents?status=all');
    await screen.findByTestId(ids.empty);
    expect(listRequests(backend)[0].params).toEqual({ limit: 50 });

    fireEvent.click(screen.getByRole('radio', { name: 'Resolved' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/incidents?status=resolved'));
    await waitFor(() => expect(listRequests(backend)).toHaveLength(2));
    expect(listRequests(backend)[1].params).toEqual({ status: 'resolved', limit: 50 });

    fireEvent.click(screen.getByRole('radio', { name: 'Active' }));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent(/^\/incidents$/));
  });

  test('shows the sidecar validation messages next to their fields', async () => {
    backend.on('GET', LIST, page([]));
    backend.on(
      'POST',
      LIST,
      reply(
        400,
        envelope('VALIDATION_FAILED', 'Invalid incident', {
          issues: [
            { path: 'services', message: 'Unknown service "nope"' },
            { path: ['title'], message: 'Title is too long' },
          ],
        })
      )
    );
    renderPage();
    await screen.findByTestId(ids.empty);
    await openDeclareForm();

    fireEvent.change(screen.getByTestId(form.title), { target: { value: 'Checkout down' } });
    fireEvent.click(screen.getByTestId(form.submit));

    expect(await screen.findByText('Unknown service "nope"')).toBeInTheDocument();
    expect(screen.getByText('Title is too long')).toBeInTheDocument();
    // Every issue found its field, so there is no extra alert.
    expect(screen.queryByTestId(form.error)).not.toBeInTheDocument();
    expect(backend.requestsTo('POST', LIST)[0].data).toEqual({ title: 'Checkout down', severity: 'high' });
  });

  test('shows errors no field can show in the form alert', async () => {
    backend.on('GET', LIST, page([]));
    backend.on('POST', LIST, reply(502, { message: 'Bad Gateway' }));
    renderPage();
    await screen.findByTestId(ids.empty);
    await openDeclareForm();

    fireEvent.change(screen.getByTestId(form.title), { target: { value: 'Checkout down' } });
    fireEvent.click(screen.getByTestId(form.submit));

    const alert = await screen.findByTestId(form.error);
    expect(alert).toHaveTextContent('Cannot reach the Reliability Studio sidecar');
  });

  test('asks for a title before calling the sidecar', async () => {
    backend.on('GET', LIST, page([]));
    renderPage();
    await screen.findByTestId(ids.empty);
    await openDeclareForm();

    fireEvent.click(screen.getByTestId(form.submit));
    expect(await screen.findByText('Give the incident a title.')).toBeInTheDocument();
    expect(backend.requestsTo('POST', LIST)).toHaveLength(0);

    // Typing a title answers the message.
    fireEvent.change(screen.getByTestId(form.title), { target: { value: 'Checkout down' } });
    expect(screen.queryByText('Give the incident a title.')).not.toBeInTheDocument();
  });

  test('declares an incident with the picked services and shows it in the refetched list', async () => {
    const created = makeIncident({ reference: 'INC-7', title: 'Payments failing', severity: 'critical' });
    backend.on('GET', LIST, page([]));
    backend.on('POST', LIST, (request: BackendSrvRequest) => {
      backend.on('GET', LIST, page([created]));
      return reply(201, { ...created, ...request.data });
    });
    renderPage();
    await screen.findByTestId(ids.empty);
    await openDeclareForm();

    fireEvent.change(screen.getByTestId(form.title), { target: { value: 'Payments failing' } });
    fireEvent.click(within(screen.getByTestId(form.severity)).getByRole('radio', { name: 'Critical' }));
    fireEvent.change(screen.getByTestId(form.description), { target: { value: 'Card payments time out' } });
    fireEvent.change(screen.getByTestId(form.commander), { target: { value: 'bob' } });
    const services = screen.getByTestId(form.services);
    // Let the form's service catalog request (already answered by the fake) land before opening the picker; the
    // page's filters asked for the catalog once before.
    await waitFor(() => expect(backend.requestsTo('GET', `${API}/services`)).toHaveLength(2));
    await act(() => new Promise((resolve) => setTimeout(resolve, 0)));
    fireEvent.click(services);
    fireEvent.click(await screen.findByRole('option', { name: /^payments/ }));

    fireEvent.click(screen.getByTestId(form.submit));

    expect(await screen.findByTestId(ids.declaredNotice)).toHaveTextContent('Declared INC-7: Payments failing');
    expect(screen.queryByTestId(form.form)).not.toBeInTheDocument();
    const rows = await screen.findAllByTestId(ids.row);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent('Payments failing');
    expect(backend.requestsTo('POST', LIST)[0].data).toEqual({
      title: 'Payments failing',
      severity: 'critical',
      description: 'Card payments time out',
      services: ['payments'],
      commander: 'bob',
    });
    expect(listRequests(backend)).toHaveLength(2);
  });

  test('offers only the valid next statuses and patches with the version seen', async () => {
    const incident = makeIncident({ reference: 'INC-9', status: 'open', version: 4 });
    backend.on('GET', LIST, page([incident]));
    const moved = { ...incident, status: 'investigating' as const, version: 5 };
    // As the sidecar would: once patched, the list holds the new state too.
    backend.on('PATCH', `${LIST}/${incident.id}`, () => {
      backend.on('GET', LIST, page([moved]));
      return reply(200, moved);
    });
    renderPage();

    fireEvent.click(await screen.findByTestId(ids.rowStatusSelect));
    const items = await screen.findAllByRole('menuitem');
    expect(items.map((i) => i.textContent)).toEqual(['Investigating', 'Identified', 'Monitoring', 'Resolved']);

    await act(async () => fireEvent.click(screen.getByRole('menuitem', { name: 'Investigating' })));
    await waitFor(() => expect(screen.getByTestId(ids.rowStatusSelect)).toHaveTextContent('Investigating'));
    expect(backend.requestsTo('PATCH', `${LIST}/${incident.id}`)[0].data).toEqual({
      version: 4,
      status: 'investigating',
    });
  });

  test('offers reopening a resolved incident', async () => {
    backend.on('GET', LIST, page([makeIncident({ status: 'resolved' })]));
    renderPage('/incidents?status=resolved');

    fireEvent.click(await screen.findByTestId(ids.rowStatusSelect));
    const items = await screen.findAllByRole('menuitem');
    expect(items.map((i) => i.textContent)).toEqual(['Reopen as Open', 'Reopen as Investigating']);
  });

  test('says the incident was changed by someone else on a version conflict, and refreshes', async () => {
    const incident = makeIncident({ reference: 'INC-3', status: 'open', version: 1 });
    const current = { ...incident, status: 'identified' as const, version: 2 };
    backend.on('GET', LIST, page([incident]));
    backend.on('PATCH', `${LIST}/${incident.id}`, () => {
      backend.on('GET', LIST, page([current]));
      return reply(409, envelope('VERSION_CONFLICT', 'Incident was modified', { current }));
    });
    renderPage();

    fireEvent.click(await screen.findByTestId(ids.rowStatusSelect));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Resolved' }));

    const alert = await screen.findByTestId(ids.actionError);
    expect(alert).toHaveTextContent('INC-3 was changed by someone else');
    await waitFor(() => expect(screen.getByTestId(ids.rowStatusSelect)).toHaveTextContent('Identified'));
    await waitFor(() => expect(listRequests(backend)).toHaveLength(2));
  });
});
