import React from 'react';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import { testIds } from '../../components/testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeService } from '../../testUtils/fixtures';
import { makeChannel, makeRule } from '../../testUtils/notificationFixtures';
import { RuleForm } from './RuleForm';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.ruleForm;

jest.setTimeout(30_000);

describe('RuleForm', () => {
  let backend: FakeBackendSrv;
  const slack = makeChannel({ name: '#payments', kind: 'slack' });
  const hook = makeChannel({ name: 'ops-webhook' });
  const services = [makeService('checkout', { team: 'payments' })];

  beforeEach(() => {
    backend = installFakeBackendSrv();
  });

  const renderForm = (rule?: ReturnType<typeof makeRule>) => {
    const onSaved = jest.fn();
    render(
      <RuleForm
        rule={rule}
        channels={[slack, hook]}
        services={services}
        servicesError={null}
        onSaved={onSaved}
        onCancel={jest.fn()}
        onRefused={() => false}
      />
    );
    return { onSaved };
  };
  const check = (group: string, name: string) =>
    fireEvent.click(within(screen.getByTestId(group)).getByRole('checkbox', { name }));

  test('adds a rule: events, severities, labels and channels as picked', async () => {
    backend.on('POST', `${API}/notification-rules`, (r: BackendSrvRequest) => reply(201, makeRule(r.data)));
    const { onSaved } = renderForm();
    fireEvent.change(screen.getByTestId(ids.name), { target: { value: 'Page payments' } });
    // Declared and Resolved are checked to start with.
    check(ids.events, 'Resolved');
    check(ids.events, 'Acknowledged');
    check(ids.severities, 'Critical');
    check(ids.severities, 'High');
    check(ids.channels, '#payments');
    fireEvent.change(screen.getByTestId(ids.labels), { target: { value: 'env=prod\nregion = eu' } });
    fireEvent.click(screen.getByTestId(ids.submit));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(backend.requestsTo('POST', `${API}/notification-rules`)[0]!.data).toEqual({
      name: 'Page payments',
      events: ['declared', 'acknowledged'],
      severities: ['critical', 'high'],
      services: [],
      teams: [],
      labels: { env: 'prod', region: 'eu' },
      channelIds: [slack.id],
      muted: false,
    });
  });

  test('asks for a name, an event and a channel before sending', async () => {
    renderForm();
    check(ids.events, 'Declared');
    check(ids.events, 'Resolved');
    fireEvent.click(screen.getByTestId(ids.submit));
    expect(await screen.findByText('A name is required')).toBeInTheDocument();
    expect(screen.getByText('Pick at least one event')).toBeInTheDocument();
    expect(screen.getByText('Pick at least one channel')).toBeInTheDocument();
    expect(backend.requests).toHaveLength(0);
  });

  test('an edit someone else beat says what the rule is now, and saves again on the new version', async () => {
    const rule = makeRule({ name: 'Page payments', channelIds: [slack.id], version: 2 });
    const theirs = { ...rule, events: ['declared'], channelIds: [hook.id], muted: true, version: 5 };
    backend.on('PATCH', `${API}/notification-rules/${rule.id}`, (r: BackendSrvRequest) =>
      r.data.version === 2
        ? reply(
            409,
            envelope('VERSION_CONFLICT', 'Rule Page payments was changed by someone else', { current: theirs })
          )
        : reply(200, { ...theirs, ...r.data, version: 6 })
    );
    const { onSaved } = renderForm(rule);
    check(ids.severities, 'Critical');
    fireEvent.click(screen.getByTestId(ids.submit));
    const conflict = await screen.findByTestId(ids.conflict);
    expect(conflict).toHaveTextContent('Rule Page payments was changed by someone else');
    expect(conflict).toHaveTextContent('It now sends Declared to ops-webhook, and is muted (version 5).');
    fireEvent.click(within(conflict).getByTestId(ids.conflictRetry));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const sent = backend.requestsTo('PATCH', `${API}/notification-rules/${rule.id}`).map((r) => r.data.version);
    expect(sent).toEqual([2, 5]);
  });

  test("the sidecar's validation messages land on their fields", async () => {
    backend.on(
      'POST',
      `${API}/notification-rules`,
      reply(
        400,
        envelope('VALIDATION_FAILED', 'Invalid body', {
          issues: [{ path: ['labels', 'x'], message: 'Too big: expected string to have <=500 characters' }],
        })
      )
    );
    renderForm();
    fireEvent.change(screen.getByTestId(ids.name), { target: { value: 'r' } });
    check(ids.channels, 'ops-webhook');
    fireEvent.change(screen.getByTestId(ids.labels), { target: { value: 'x=y' } });
    fireEvent.click(screen.getByTestId(ids.submit));
    expect(await screen.findByText('Too big: expected string to have <=500 characters')).toBeInTheDocument();
    expect(screen.queryByTestId(ids.error)).not.toBeInTheDocument();
  });
});
