import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { config, type BackendSrvRequest } from '@grafana/runtime';
import { testIds } from '../../components/testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeService } from '../../testUtils/fixtures';
import { fakeLayout } from '../../testUtils/layout';
import { makeChannel } from '../../testUtils/notificationFixtures';
import { makeOnCall, makePerson, makePolicy, segment } from '../../testUtils/onCallFixtures';
import { EscalationPoliciesPage } from './EscalationPoliciesPage';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.escalationPolicies;
const form = testIds.policyForm;

jest.setTimeout(45_000);

const alex = makePerson('alex');
const sam = makePerson('sam');
const payments = makeChannel({ name: '#payments', kind: 'slack' });
const primary = makeOnCall('Primary', segment(alex, -1, 5), null);
const schedule = { id: primary.scheduleId, name: 'Primary' };
const policy = makePolicy({
  name: 'Payments',
  steps: [
    { target: { kind: 'schedule', scheduleId: primary.scheduleId }, waitMinutes: 5, urgency: 'high' },
    { target: { kind: 'person', personId: sam.id }, waitMinutes: 10, urgency: 'high' },
    { target: { kind: 'channel', channelId: payments.id }, waitMinutes: 0, urgency: 'low' },
  ],
});
const checkout = makeService('checkout', { escalationPolicyId: policy.id });
const search = makeService('search', { team: 'discovery' });

const renderPage = () =>
  render(
    <MemoryRouter>
      <EscalationPoliciesPage />
    </MemoryRouter>
  );

const rowOf = (testId: string, attribute: string, value: string) =>
  screen.getAllByTestId(testId).find((r) => r.getAttribute(attribute) === value)!;

/** Opens a Combobox and picks an option (the menu is virtualised: fakeLayout gives it room; slow on 2 cores). */
async function pick(combobox: HTMLElement, option: string | RegExp) {
  fireEvent.click(combobox);
  fireEvent.click(await screen.findByRole('option', { name: option }, { timeout: 5000 }));
}

describe('EscalationPoliciesPage', () => {
  let backend: FakeBackendSrv;
  let restoreLayout: () => void;
  const saved = config.bootData;

  beforeEach(() => {
    restoreLayout = fakeLayout();
    backend = installFakeBackendSrv();
    backend.on('GET', `${API}/escalation-policies`, reply(200, { items: [policy] }));
    backend.on('GET', `${API}/services`, reply(200, { items: [checkout, search] }));
    backend.on('GET', `${API}/people`, reply(200, { items: [alex, sam] }));
    backend.on('GET', `${API}/schedules`, reply(200, { items: [schedule] }));
    backend.on('GET', `${API}/channels`, reply(200, { items: [payments] }));
    backend.on('GET', `${API}/on-call`, reply(200, { at: new Date().toISOString(), items: [primary], warnings: [] }));
  });

  afterEach(() => {
    restoreLayout();
    config.bootData = saved;
  });

  test('lists each policy with what it would do if paged now, and which policy each service uses', async () => {
    renderPage();
    expect(screen.getByText('Loading escalation policies…')).toBeInTheDocument();
    const row = await screen.findByTestId(ids.row);
    expect(within(row).getByTestId(ids.preview)).toHaveTextContent(
      'If checkout paged now: alex at 0 min, sam at 5 min, #payments at 15 min.'
    );
    expect(row).toHaveTextContent('checkout');
    expect(rowOf(ids.serviceRow, 'data-service-name', 'checkout')).toHaveAttribute('data-policy-id', policy.id);
    expect(rowOf(ids.serviceRow, 'data-service-name', 'search')).toHaveAttribute('data-policy-id', '');
    // A policy a service uses cannot be deleted (the sidecar would refuse with 409).
    expect(within(row).getByTestId(ids.delete)).toBeDisabled();
  });

  test('adds a policy: steps checked before sending, a live preview, and the steps in order in the body', async () => {
    backend.on('POST', `${API}/escalation-policies`, (r: BackendSrvRequest) =>
      reply(201, makePolicy({ ...r.data, id: 'f0000000-0000-4000-8000-0000000000aa' }))
    );
    renderPage();
    await screen.findByTestId(ids.row);
    fireEvent.click(screen.getByTestId(ids.add));
    const drawer = await screen.findByTestId(form.form);

    fireEvent.click(within(drawer).getByTestId(form.submit));
    expect(await within(drawer).findByText('A name is required')).toBeInTheDocument();
    expect(within(drawer).getByText('Pick a schedule')).toBeInTheDocument();
    expect(backend.requestsTo('POST', `${API}/escalation-policies`)).toHaveLength(0);

    fireEvent.change(within(drawer).getByTestId(form.name), { target: { value: 'Checkout' } });
    await pick(within(drawer).getByTestId(form.stepTarget), 'Primary');
    fireEvent.click(within(drawer).getByTestId(form.addStep));
    const second = within(drawer).getAllByTestId(form.step)[1]!;
    fireEvent.click(within(within(second).getByTestId(form.stepKind)).getByRole('radio', { name: 'Channel' }));
    // Options with a description (the channel's kind) are named by both.
    await pick(within(second).getByTestId(form.stepTarget), /^#payments/);
    fireEvent.click(within(within(second).getByTestId(form.stepUrgency)).getByRole('radio', { name: 'Low' }));
    fireEvent.change(within(drawer).getAllByTestId(form.stepWait)[0]!, { target: { value: '15' } });
    fireEvent.change(within(drawer).getByTestId(form.repeat), { target: { value: '1' } });
    expect(within(drawer).getByTestId(form.preview)).toHaveTextContent(
      'If paged now: alex at 0 min, #payments at 15 min, then again from the first step every 20 min, 1 more time.'
    );

    fireEvent.click(within(drawer).getByTestId(form.submit));
    await waitFor(() => expect(screen.queryByTestId(form.form)).not.toBeInTheDocument());
    expect(backend.requestsTo('POST', `${API}/escalation-policies`)[0]!.data).toEqual({
      name: 'Checkout',
      description: '',
      steps: [
        { target: { kind: 'schedule', scheduleId: primary.scheduleId }, waitMinutes: 15, urgency: 'high' },
        { target: { kind: 'channel', channelId: payments.id }, waitMinutes: 5, urgency: 'low' },
      ],
      repeat: 1,
    });
    expect(rowOf(ids.row, 'data-policy-name', 'Checkout')).toBeInTheDocument();
  });

  test('edits a policy with the version it saw', async () => {
    backend.on('PATCH', `${API}/escalation-policies/${policy.id}`, (r: BackendSrvRequest) =>
      reply(200, { ...policy, ...r.data, version: 2 })
    );
    renderPage();
    fireEvent.click(within(await screen.findByTestId(ids.row)).getByTestId(ids.edit));
    const drawer = await screen.findByTestId(form.form);
    expect(within(drawer).getAllByTestId(form.step)).toHaveLength(3);
    fireEvent.change(within(drawer).getByTestId(form.repeat), { target: { value: '2' } });
    fireEvent.click(within(drawer).getByTestId(form.submit));
    await waitFor(() => expect(screen.queryByTestId(form.form)).not.toBeInTheDocument());
    expect(backend.requestsTo('PATCH', `${API}/escalation-policies/${policy.id}`)[0]!.data).toMatchObject({
      version: 1,
      repeat: 2,
      steps: policy.steps,
    });
  });

  test('attaches a policy to a service with PATCH /services/:name', async () => {
    backend.on('PATCH', `${API}/services/search`, (r: BackendSrvRequest) => reply(200, { ...search, ...r.data }));
    renderPage();
    await screen.findByTestId(ids.row);
    const row = rowOf(ids.serviceRow, 'data-service-name', 'search');
    await pick(within(row).getByTestId(ids.servicePolicy), 'Payments');
    await waitFor(() =>
      expect(rowOf(ids.serviceRow, 'data-service-name', 'search')).toHaveAttribute('data-policy-id', policy.id)
    );
    expect(backend.requestsTo('PATCH', `${API}/services/search`)[0]!.data).toEqual({ escalationPolicyId: policy.id });
    // The policy's row now names both services.
    expect(screen.getByTestId(ids.row)).toHaveTextContent('checkout, search');
  });

  test('a refused save (403) turns the page read only', async () => {
    backend.on(
      'PATCH',
      `${API}/escalation-policies/${policy.id}`,
      reply(403, envelope('FORBIDDEN', 'This needs the admin role; the token has editor.'))
    );
    renderPage();
    fireEvent.click(within(await screen.findByTestId(ids.row)).getByTestId(ids.edit));
    fireEvent.click(within(await screen.findByTestId(form.form)).getByTestId(form.submit));
    expect(await screen.findByTestId(ids.readOnly)).toHaveTextContent('This needs the admin role');
    expect(screen.queryByTestId(form.form)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.add)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.servicePolicy)).not.toBeInTheDocument();
  });

  test('a Viewer reads policies and services without controls', async () => {
    config.bootData = {
      ...config.bootData,
      user: { ...config.bootData?.user, orgRole: 'Viewer' },
    } as typeof config.bootData;
    renderPage();
    await screen.findByTestId(ids.row);
    expect(screen.getByTestId(ids.readOnly)).toHaveTextContent('Your role can see the escalation policies');
    expect(screen.queryByTestId(ids.edit)).not.toBeInTheDocument();
    expect(rowOf(ids.serviceRow, 'data-service-name', 'checkout')).toHaveTextContent('Payments');
  });

  test('empty: no policies and no services say what to do', async () => {
    backend.on('GET', `${API}/escalation-policies`, reply(200, { items: [] }));
    backend.on('GET', `${API}/services`, reply(200, { items: [] }));
    renderPage();
    expect(await screen.findByTestId(ids.empty)).toHaveTextContent('No escalation policies yet');
    expect(screen.getByTestId(ids.servicesEmpty)).toBeInTheDocument();
  });

  test("the sidecar's error envelope is shown with a retry", async () => {
    backend.on(
      'GET',
      `${API}/escalation-policies`,
      reply(503, envelope('DATABASE_UNAVAILABLE', 'The database is unavailable'))
    );
    renderPage();
    const alert = await screen.findByTestId(ids.pageError);
    expect(alert).toHaveTextContent('The database is unavailable');
    backend.on('GET', `${API}/escalation-policies`, reply(200, { items: [policy] }));
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId(ids.row)).toBeInTheDocument();
  });
});
