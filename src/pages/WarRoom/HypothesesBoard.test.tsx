import React from 'react';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import type { Hypothesis } from '../../api/types';
import { testIds } from '../../components/testIds';
import { makeHypothesis } from '../../testUtils/evidenceFixtures';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { HypothesesBoard } from './HypothesesBoard';
import { useHypotheses } from './useHypotheses';

const API = '/api/plugin-proxy/reliability-studio-app/api/incidents/i1/hypotheses';
const ids = testIds.hypotheses;

function Board() {
  return <HypothesesBoard hypotheses={useHypotheses('i1')} canEdit />;
}

const cardOf = (statement: string) => screen.getAllByTestId(ids.card).find((c) => c.textContent?.includes(statement))!;

describe('HypothesesBoard', () => {
  let backend: FakeBackendSrv;
  let deploy: Hypothesis;
  let dns: Hypothesis;

  beforeEach(() => {
    backend = installFakeBackendSrv();
    deploy = makeHypothesis({ statement: 'The 14:02 deploy broke checkout', origin: 'suggested', version: 1 });
    dns = makeHypothesis({ statement: 'DNS flapped', owner: 'robin', version: 1 });
    backend.on('GET', API, reply(200, { items: [deploy, dns] }));
    backend.on('PATCH', `${API}/${deploy.id}`, (r: BackendSrvRequest) =>
      reply(200, {
        ...deploy,
        status: r.data.status,
        decisionNote: r.data.note ?? null,
        decidedBy: 'admin',
        version: 2,
      })
    );
  });

  test('lists hypotheses by status and marks the suggested ones', async () => {
    render(<Board />);
    await screen.findAllByTestId(ids.card);
    expect(cardOf('The 14:02 deploy broke checkout')).toHaveAttribute('data-origin', 'suggested');
    expect(within(cardOf('The 14:02 deploy broke checkout')).getByText('Suggested')).toBeInTheDocument();
    expect(cardOf('DNS flapped')).toHaveTextContent('Owner: robin');
    expect(screen.getByText('Open (2)')).toBeInTheDocument();
    expect(screen.getByText('Confirmed (0)')).toBeInTheDocument();
  });

  test('confirms with a note: sent with the version seen, and the card moves to Confirmed', async () => {
    render(<Board />);
    await screen.findAllByTestId(ids.card);
    fireEvent.click(within(cardOf('The 14:02 deploy broke checkout')).getByTestId(ids.confirm));
    fireEvent.change(screen.getByTestId(ids.decisionNote), { target: { value: 'Rollback fixed it' } });
    fireEvent.click(screen.getByTestId(ids.decide));
    await waitFor(() => expect(cardOf('The 14:02 deploy broke checkout')).toHaveAttribute('data-status', 'confirmed'));
    expect(screen.getByText('Confirmed (1)')).toBeInTheDocument();
    expect(cardOf('The 14:02 deploy broke checkout')).toHaveTextContent('“Rollback fixed it”');
    expect(backend.requestsTo('PATCH', `${API}/${deploy.id}`)[0]!.data).toEqual({
      version: 1,
      status: 'confirmed',
      note: 'Rollback fixed it',
    });
  });

  test('refutes without a note', async () => {
    render(<Board />);
    await screen.findAllByTestId(ids.card);
    fireEvent.click(within(cardOf('The 14:02 deploy broke checkout')).getByTestId(ids.refute));
    fireEvent.click(screen.getByTestId(ids.decide));
    await waitFor(() => expect(cardOf('The 14:02 deploy broke checkout')).toHaveAttribute('data-status', 'refuted'));
    expect(backend.requestsTo('PATCH', `${API}/${deploy.id}`)[0]!.data).toEqual({ version: 1, status: 'refuted' });
  });

  test('a decision someone else made first is reported with what it is now', async () => {
    const decided = { ...deploy, status: 'refuted' as const, decidedBy: 'sam', version: 2 };
    backend.on(
      'PATCH',
      `${API}/${deploy.id}`,
      reply(409, envelope('VERSION_CONFLICT', 'changed', { current: decided }))
    );
    render(<Board />);
    await screen.findAllByTestId(ids.card);
    fireEvent.click(within(cardOf('The 14:02 deploy broke checkout')).getByTestId(ids.confirm));
    fireEvent.click(screen.getByTestId(ids.decide));
    const conflict = await screen.findByTestId(ids.conflict);
    expect(conflict).toHaveTextContent('changed by someone else');
    expect(conflict).toHaveTextContent('Your decision (confirmed) was not saved. It is now refuted (by sam).');
    expect(cardOf('The 14:02 deploy broke checkout')).toHaveAttribute('data-status', 'refuted');
  });

  test('adds a hypothesis with an owner', async () => {
    backend.on('POST', API, (r: BackendSrvRequest) =>
      reply(201, makeHypothesis({ statement: r.data.statement, owner: r.data.owner }))
    );
    render(<Board />);
    await screen.findAllByTestId(ids.card);
    fireEvent.change(screen.getByTestId(ids.statementInput), { target: { value: 'Payments API rate-limits us' } });
    fireEvent.change(screen.getByTestId(ids.ownerInput), { target: { value: 'kim' } });
    fireEvent.click(screen.getByTestId(ids.add));
    await waitFor(() => expect(screen.getAllByTestId(ids.card)).toHaveLength(3));
    expect(cardOf('Payments API rate-limits us')).toHaveTextContent('Owner: kim');
    expect(screen.getByTestId(ids.statementInput)).toHaveValue('');
    expect(backend.requestsTo('POST', API)[0]!.data).toEqual({
      statement: 'Payments API rate-limits us',
      owner: 'kim',
    });
  });
});
