import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { Incident } from '../../api/types';
import { testIds } from '../../components/testIds';
import { makeTimelineEvent } from '../../testUtils/evidenceFixtures';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeIncident } from '../../testUtils/fixtures';
import { Acknowledgement } from './Acknowledgement';
import { formatTime } from './format';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.warRoom;
const ACKED_AT = '2026-03-02T10:15:00.000Z';

describe('Acknowledgement', () => {
  let backend: FakeBackendSrv;
  let incident: Incident;

  beforeEach(() => {
    backend = installFakeBackendSrv();
    incident = makeIncident({ status: 'investigating' });
  });

  test('acknowledges with one press and hands the answer over', async () => {
    const acknowledged = { ...incident, acknowledgedAt: ACKED_AT, version: 2 };
    backend.on('POST', `${API}/incidents/${incident.id}/acknowledge`, reply(200, acknowledged));
    const onAcknowledged = jest.fn();
    render(<Acknowledgement incident={incident} events={[]} canEdit onAcknowledged={onAcknowledged} />);
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(onAcknowledged).toHaveBeenCalledWith(acknowledged));
    expect(backend.requestsTo('POST', `${API}/incidents/${incident.id}/acknowledge`)).toHaveLength(1);
  });

  test('says who acknowledged and when, from the timeline, and that it came from a link', () => {
    const entry = makeTimelineEvent('acknowledged', {
      author: 'ops-webhook',
      data: { via: 'link', recipient: 'ops-webhook' },
    });
    render(
      <Acknowledgement
        incident={{ ...incident, acknowledgedAt: ACKED_AT }}
        events={[makeTimelineEvent('created'), entry]}
        canEdit
        onAcknowledged={jest.fn()}
      />
    );
    const shown = screen.getByTestId(ids.acknowledged);
    // The timeline's clock format, so the header and the entry read the same.
    expect(shown).toHaveTextContent(`Acknowledged by ops-webhook at ${formatTime(ACKED_AT)} (acknowledge link)`);
    expect(screen.queryByRole('button', { name: 'Acknowledge' })).not.toBeInTheDocument();
  });

  test('before the timeline entry arrives it still says when', () => {
    render(
      <Acknowledgement
        incident={{ ...incident, acknowledgedAt: ACKED_AT }}
        events={[]}
        canEdit
        onAcknowledged={jest.fn()}
      />
    );
    expect(screen.getByTestId(ids.acknowledged)).toHaveTextContent(`Acknowledged at ${formatTime(ACKED_AT)}`);
    expect(screen.getByTestId(ids.acknowledged)).not.toHaveTextContent('by');
  });

  test('a refusal is shown inline and the button stays', async () => {
    backend.on(
      'POST',
      `${API}/incidents/${incident.id}/acknowledge`,
      reply(503, envelope('DATABASE_UNAVAILABLE', 'The database is unavailable'))
    );
    render(<Acknowledgement incident={incident} events={[]} canEdit onAcknowledged={jest.fn()} />);
    fireEvent.click(screen.getByTestId(ids.acknowledge));
    expect(await screen.findByTestId(ids.acknowledgeError)).toHaveTextContent('The database is unavailable');
    expect(screen.getByTestId(ids.acknowledge)).toBeEnabled();
  });

  test('viewers and resolved incidents get no button', () => {
    const { rerender } = render(
      <Acknowledgement incident={incident} events={[]} canEdit={false} onAcknowledged={jest.fn()} />
    );
    expect(screen.queryByTestId(ids.acknowledge)).not.toBeInTheDocument();
    expect(screen.getByText('Not yet')).toBeInTheDocument();
    rerender(
      <Acknowledgement incident={{ ...incident, status: 'resolved' }} events={[]} canEdit onAcknowledged={jest.fn()} />
    );
    expect(screen.queryByTestId(ids.acknowledge)).not.toBeInTheDocument();
  });
});
