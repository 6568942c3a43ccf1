import React from 'react';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { testIds } from '../../components/testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeChannel, makeDelivery } from '../../testUtils/notificationFixtures';
import { DeliveriesPanel } from './DeliveriesPanel';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.deliveries;

describe('DeliveriesPanel', () => {
  let backend: FakeBackendSrv;
  const channel = makeChannel({ name: 'ops-webhook' });
  const list = `${API}/channels/${channel.id}/deliveries`;
  const dead = makeDelivery({
    channelId: channel.id,
    event: 'severity_raised',
    lastError: 'timed out after 10 s',
    lastStatus: null,
  });
  const refused = makeDelivery({ channelId: channel.id, lastError: 'gone', lastStatus: 410, attempts: 1 });

  beforeEach(() => {
    backend = installFakeBackendSrv();
    backend.on('GET', list, reply(200, { items: [dead, refused] }));
  });

  const renderPanel = (props: Partial<React.ComponentProps<typeof DeliveriesPanel>> = {}) => {
    const onRedelivered = jest.fn();
    const onRefused = jest.fn(() => false);
    render(
      <DeliveriesPanel
        channel={channel}
        isReadOnly={false}
        onRefused={onRefused}
        onRedelivered={onRedelivered}
        {...props}
      />
    );
    return { onRedelivered, onRefused };
  };

  test('shows the dead deliveries with their last error, and Redeliver queues one again', async () => {
    backend.on(
      'POST',
      `${API}/deliveries/${dead.id}/redeliver`,
      reply(200, { ...dead, state: 'pending', attempts: 0 })
    );
    const { onRedelivered } = renderPanel();
    const rows = await screen.findAllByTestId(ids.row);
    expect(backend.requestsTo('GET', list)[0]!.params).toEqual({ state: 'dead', limit: 100 });
    expect(rows[0]).toHaveTextContent('Severity raised');
    expect(rows[0]).toHaveTextContent('timed out after 10 s');
    expect(rows[0]).toHaveTextContent('8 attempts');
    expect(rows[1]).toHaveTextContent('HTTP 410: gone');

    fireEvent.click(within(rows[0]).getByTestId(ids.redeliver));
    await waitFor(() => expect(screen.getAllByTestId(ids.row)[0]).toHaveAttribute('data-state', 'pending'));
    expect(within(screen.getAllByTestId(ids.row)[0]).queryByTestId(ids.redeliver)).not.toBeInTheDocument();
    expect(onRedelivered).toHaveBeenCalledTimes(1);
  });

  test('the filter asks for failed ones, then every delivery', async () => {
    renderPanel();
    await screen.findAllByTestId(ids.row);
    backend.on('GET', list, reply(200, { items: [] }));
    fireEvent.click(within(screen.getByTestId(ids.stateFilter)).getByRole('radio', { name: 'Failed' }));
    expect(await screen.findByTestId(ids.empty)).toHaveTextContent('No failed deliveries.');
    fireEvent.click(within(screen.getByTestId(ids.stateFilter)).getByRole('radio', { name: 'All' }));
    await waitFor(() => expect(backend.requestsTo('GET', list)).toHaveLength(3));
    expect(backend.requestsTo('GET', list).map((r) => r.params)).toEqual([
      { state: 'dead', limit: 100 },
      { state: 'failed', limit: 100 },
      { limit: 100 },
    ]);
  });

  test('a redelivery the sidecar refuses is shown inline', async () => {
    backend.on(
      'POST',
      `${API}/deliveries/${dead.id}/redeliver`,
      reply(
        409,
        envelope('DELIVERY_NOT_REDELIVERABLE', 'Delivery is pending: only a dead or failed delivery is sent again')
      )
    );
    renderPanel();
    fireEvent.click(within((await screen.findAllByTestId(ids.row))[0]).getByTestId(ids.redeliver));
    expect(await screen.findByTestId(ids.error)).toHaveTextContent('only a dead or failed delivery is sent again');
  });

  test('read-only: no Redeliver buttons', async () => {
    renderPanel({ isReadOnly: true });
    await screen.findAllByTestId(ids.row);
    expect(screen.queryByTestId(ids.redeliver)).not.toBeInTheDocument();
  });
});
