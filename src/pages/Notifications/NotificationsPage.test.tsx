import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import { testIds } from '../../components/testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeService } from '../../testUtils/fixtures';
import { makeChannel, makeDelivery, makeRule } from '../../testUtils/notificationFixtures';
import { NotificationsPage } from './NotificationsPage';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.notifications;
const form = testIds.channelForm;

const renderPage = () =>
  render(
    <MemoryRouter>
      <NotificationsPage />
    </MemoryRouter>
  );

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });
const rowOf = (name: string) =>
  screen.getAllByTestId(ids.channelRow).find((r) => r.getAttribute('data-channel-name') === name)!;

jest.setTimeout(45_000);

describe('NotificationsPage', () => {
  let backend: FakeBackendSrv;
  const ops = makeChannel({ name: 'ops-webhook' });
  const slack = makeChannel({
    name: '#payments',
    kind: 'slack',
    secretsSet: ['webhookUrl'],
    muted: true,
    lastError: '404 from receiver: no_service',
    lastErrorAt: new Date(Date.now() - 5 * 60_000).toISOString(),
  });
  const rule = makeRule({ name: 'Page payments', channelIds: [slack.id], severities: ['critical'] });

  beforeEach(() => {
    backend = installFakeBackendSrv();
    backend.on('GET', `${API}/channels`, reply(200, { items: [slack, ops] }));
    backend.on('GET', `${API}/notification-rules`, reply(200, { items: [rule] }));
    backend.on('GET', `${API}/services`, reply(200, { items: [makeService('checkout', { team: 'payments' })] }));
    backend.on('GET', `${API}/channels/${ops.id}/deliveries`, reply(200, { items: [] }));
    backend.on(
      'GET',
      `${API}/channels/${slack.id}/deliveries`,
      reply(200, { items: [makeDelivery({ channelId: slack.id }), makeDelivery({ channelId: slack.id })] })
    );
  });

  test('lists the channels with kind, muted, last error and dead deliveries, and the rules', async () => {
    renderPage();
    await screen.findAllByTestId(ids.channelRow);
    const row = rowOf('#payments');
    expect(row).toHaveAttribute('data-channel-kind', 'slack');
    expect(row).toHaveAttribute('data-muted', 'true');
    expect(within(row).getByText('Slack')).toBeInTheDocument();
    expect(within(row).getByText('Muted')).toBeInTheDocument();
    expect(row).toHaveTextContent('404 from receiver: no_service');
    expect(row).toHaveTextContent('5 minutes ago');
    await waitFor(() => expect(within(row).getByTestId(ids.deadCount)).toHaveAttribute('data-count', '2'));
    expect(within(rowOf('ops-webhook')).getByTestId(ids.deadCount)).toHaveAttribute('data-count', '0');
    expect(backend.requestsTo('GET', `${API}/channels/${slack.id}/deliveries`)[0]!.params).toEqual({
      state: 'dead',
      limit: 200,
    });

    const ruleRow = screen.getByTestId(ids.ruleRow);
    expect(ruleRow).toHaveTextContent('Page payments');
    expect(ruleRow).toHaveTextContent('Declared');
    expect(ruleRow).toHaveTextContent('Critical');
    expect(ruleRow).toHaveTextContent('#payments');
  });

  test('"Send test message" says delivered, or the receiver\'s error, under the channel', async () => {
    backend.on(
      'POST',
      `${API}/channels/${ops.id}/test`,
      reply(200, { delivered: true, error: null, status: null, isPermanent: false, durationMs: 42 })
    );
    backend.on(
      'POST',
      `${API}/channels/${slack.id}/test`,
      reply(200, {
        delivered: false,
        error: '404 from receiver: no_service',
        status: 404,
        isPermanent: true,
        durationMs: 80,
      })
    );
    renderPage();
    await screen.findAllByTestId(ids.channelRow);

    fireEvent.click(within(rowOf('ops-webhook')).getByTestId(ids.sendTest));
    const delivered = await screen.findByTestId(ids.testResult);
    expect(delivered).toHaveAttribute('data-delivered', 'true');
    expect(delivered).toHaveTextContent('Test message delivered in 42 ms');

    fireEvent.click(within(rowOf('#payments')).getByTestId(ids.sendTest));
    await waitFor(() => expect(screen.getAllByTestId(ids.testResult)).toHaveLength(2));
    const failed = screen.getAllByTestId(ids.testResult).find((r) => r.getAttribute('data-delivered') === 'false')!;
    expect(failed).toHaveTextContent('Test message not delivered (HTTP 404)');
    expect(failed).toHaveTextContent('404 from receiver: no_service');
    expect(failed).toHaveTextContent('refused it for good');
  });

  test("adds a webhook channel: settings as inputs, secrets write-only, the sidecar's messages on the fields", async () => {
    let attempts = 0;
    backend.on('POST', `${API}/channels`, (request: BackendSrvRequest) => {
      attempts++;
      if (attempts === 1) {
        return reply(
          400,
          envelope('VALIDATION_FAILED', 'Invalid body', {
            issues: [{ path: 'secrets.signingSecret', message: 'Too small: expected string to have >=16 characters' }],
          })
        );
      }
      return reply(
        201,
        makeChannel({ ...request.data, id: 'c-new', secretsSet: Object.keys(request.data.secrets).sort() })
      );
    });
    backend.on('GET', `${API}/channels/c-new/deliveries`, reply(200, { items: [] }));
    renderPage();
    await screen.findAllByTestId(ids.channelRow);
    fireEvent.click(screen.getByTestId(ids.addChannel));
    await screen.findByTestId(form.form);

    // Required fields are asked for before the sidecar is.
    fireEvent.click(screen.getByTestId(form.submit));
    expect(await screen.findByText('A name is required')).toBeInTheDocument();
    expect(screen.getByText('URL is required')).toBeInTheDocument();
    expect(backend.requestsTo('POST', `${API}/channels`)).toHaveLength(0);

    type(form.name, 'receiver');
    type(`${form.secret} url`, 'http://127.0.0.1:9999/hook');
    type(`${form.secret} signingSecret`, 'short');
    type(`${form.setting} headers`, 'X-Tenant: payments\nX-Env: prod');
    expect(screen.getByTestId(`${form.secret} url`)).toHaveAttribute('type', 'password');
    fireEvent.click(screen.getByTestId(form.submit));
    expect(await screen.findByText('Too small: expected string to have >=16 characters')).toBeInTheDocument();

    type(`${form.secret} signingSecret`, 'a-signing-secret-of-enough-length');
    fireEvent.click(screen.getByTestId(form.submit));
    await waitFor(() => expect(screen.queryByTestId(form.form)).not.toBeInTheDocument());
    expect(backend.requestsTo('POST', `${API}/channels`)[1]!.data).toEqual({
      kind: 'webhook',
      name: 'receiver',
      settings: { headers: { 'X-Tenant': 'payments', 'X-Env': 'prod' } },
      secrets: { url: 'http://127.0.0.1:9999/hook', signingSecret: 'a-signing-secret-of-enough-length' },
      muted: false,
    });
    expect(rowOf('receiver')).toHaveAttribute('data-channel-kind', 'webhook');
    // Its dead deliveries are counted too (none yet).
    await waitFor(() =>
      expect(within(rowOf('receiver')).getByTestId(ids.deadCount)).toHaveAttribute('data-count', '0')
    );
  });

  test("the kind picker shows that kind's fields: email has host, port, security, to, and an optional password", async () => {
    renderPage();
    await screen.findAllByTestId(ids.channelRow);
    fireEvent.click(screen.getByTestId(ids.addChannel));
    const kinds = within(await screen.findByTestId(form.form));
    fireEvent.click(kinds.getByRole('radio', { name: 'Email' }));
    for (const key of ['host', 'port', 'security', 'username', 'from', 'to']) {
      expect(screen.getByTestId(`${form.setting} ${key}`)).toBeInTheDocument();
    }
    expect(screen.getByTestId(`${form.secret} password`)).toBeInTheDocument();
    expect(screen.queryByTestId(`${form.secret} url`)).not.toBeInTheDocument();
  });

  test('editing shows stored secrets as "configured" and sends only what changed, with the version', async () => {
    backend.on('PATCH', `${API}/channels/${ops.id}`, (r: BackendSrvRequest) =>
      reply(200, { ...ops, name: r.data.name, version: 2 })
    );
    renderPage();
    await screen.findAllByTestId(ids.channelRow);
    fireEvent.click(within(rowOf('ops-webhook')).getByTestId(ids.editChannel));
    await screen.findByTestId(form.form);
    expect(screen.getByTestId(`${form.secret} url`)).toHaveValue('configured');
    expect(screen.getByTestId(`${form.secret} url`)).toBeDisabled();
    // Not offered when editing: a channel keeps its kind.
    expect(screen.queryByTestId(form.kind)).not.toBeInTheDocument();

    // Reset one secret and type a new value; the other stays as stored (not sent).
    fireEvent.click(within(screen.getByTestId(form.form)).getAllByRole('button', { name: 'Reset' })[1]!);
    type(`${form.secret} signingSecret`, 'rotated-signing-secret-0123');
    type(form.name, 'ops-hook');
    fireEvent.click(screen.getByTestId(form.submit));
    await waitFor(() => expect(screen.queryByTestId(form.form)).not.toBeInTheDocument());
    expect(backend.requestsTo('PATCH', `${API}/channels/${ops.id}`)[0]!.data).toEqual({
      version: 1,
      name: 'ops-hook',
      settings: {},
      secrets: { signingSecret: 'rotated-signing-secret-0123' },
      muted: false,
    });
  });

  test('a mute that someone else beat says so, shows theirs, and can be applied again', async () => {
    const theirs = { ...ops, muted: false, version: 3, secretNames: ops.secretsSet };
    backend.on('PATCH', `${API}/channels/${ops.id}`, (r: BackendSrvRequest) =>
      r.data.version === 1
        ? reply(
            409,
            envelope('VERSION_CONFLICT', 'Channel ops-webhook was changed by someone else', { current: theirs })
          )
        : reply(200, { ...ops, muted: r.data.muted, version: 4 })
    );
    renderPage();
    await screen.findAllByTestId(ids.channelRow);
    fireEvent.click(within(rowOf('ops-webhook')).getByTestId(ids.muteChannel));
    const conflict = await screen.findByTestId(ids.conflict);
    expect(conflict).toHaveTextContent('Channel ops-webhook was changed by someone else');
    expect(conflict).toHaveTextContent('Your change (mute) was not saved. It is now not muted (version 3).');

    fireEvent.click(within(conflict).getByRole('button', { name: 'Mute it anyway' }));
    await waitFor(() => expect(rowOf('ops-webhook')).toHaveAttribute('data-muted', 'true'));
    expect(backend.requestsTo('PATCH', `${API}/channels/${ops.id}`).map((r) => r.data)).toEqual([
      { version: 1, muted: true },
      { version: 3, muted: true },
    ]);
  });

  test('a refused change (403) is shown and the page turns read-only', async () => {
    backend.on(
      'DELETE',
      `${API}/channels/${ops.id}`,
      reply(403, envelope('FORBIDDEN', 'This needs the admin role; the token has editor.'))
    );
    renderPage();
    await screen.findAllByTestId(ids.channelRow);
    fireEvent.click(within(rowOf('ops-webhook')).getByTestId(ids.deleteChannel));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));

    expect(await screen.findByTestId(ids.readOnly)).toHaveTextContent(
      'This needs the admin role; the token has editor.'
    );
    expect(screen.queryByTestId(ids.addChannel)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.sendTest)).not.toBeInTheDocument();
    expect(screen.queryByTestId(ids.editRule)).not.toBeInTheDocument();
    // Still readable, deliveries included.
    expect(rowOf('ops-webhook')).toBeInTheDocument();
    expect(screen.getAllByTestId(ids.showDeliveries)).toHaveLength(2);
  });

  test('when the channels cannot be loaded it says so, with a retry', async () => {
    backend.on('GET', `${API}/channels`, reply(503, envelope('DATABASE_UNAVAILABLE', 'The database is unavailable')));
    renderPage();
    const alert = await screen.findByTestId(ids.pageError);
    expect(alert).toHaveTextContent('Could not load the notification channels and rules');
    expect(alert).toHaveTextContent('The database is unavailable');
    backend.on('GET', `${API}/channels`, reply(200, { items: [ops] }));
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId(ids.channelRow)).toHaveAttribute('data-channel-name', 'ops-webhook');
  });
});
