import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import type { CorrelationResult, Hypothesis, Incident } from '../../api/types';
import { testIds } from '../../components/testIds';
import { makeFinding, makeRun, makeTimelineEvent } from '../../testUtils/evidenceFixtures';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeIncident } from '../../testUtils/fixtures';
import { WarRoomPage } from './WarRoomPage';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds;

jest.setTimeout(20_000);

describe('WarRoomPage', () => {
  let backend: FakeBackendSrv;
  let incident: Incident;
  let url: string;

  function serve(correlations: CorrelationResult, hypotheses: Hypothesis[] = []) {
    backend.on('GET', url, reply(200, incident));
    backend.on('GET', `${url}/impact`, reply(200, { items: [] }));
    backend.on(
      'GET',
      `${url}/timeline`,
      reply(200, { items: [makeTimelineEvent('created', { message: 'INC-9 declared' })] })
    );
    backend.on('GET', `${url}/correlations`, reply(200, correlations));
    backend.on('GET', `${url}/hypotheses`, reply(200, { items: hypotheses }));
  }

  function renderPage() {
    return render(
      <MemoryRouter initialEntries={[`/incidents/${incident.id}`]}>
        <Routes>
          <Route path="/incidents/:id" element={<WarRoomPage />} />
        </Routes>
      </MemoryRouter>
    );
  }

  beforeEach(() => {
    backend = installFakeBackendSrv();
    incident = makeIncident({
      reference: 'INC-9',
      title: 'Checkout 500s',
      severity: 'high',
      status: 'investigating',
      version: 2,
    });
    url = `${API}/incidents/${incident.id}`;
  });

  test('a severity change someone else beat shows "changed by someone else", the new value, and can be applied again', async () => {
    serve({ run: null, findings: [] });
    const theirs = { ...incident, severity: 'medium' as const, commander: 'sam', version: 3 };
    backend.on('PATCH', url, (request: BackendSrvRequest) =>
      request.data.version === 2
        ? reply(409, envelope('VERSION_CONFLICT', 'INC-9 was changed by someone else', { current: theirs }))
        : reply(200, { ...theirs, severity: request.data.severity, version: 4 })
    );
    renderPage();

    fireEvent.click(await screen.findByTestId(ids.warRoom.severity));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Critical' }));

    const conflict = await screen.findByTestId(ids.warRoom.conflict);
    expect(conflict).toHaveTextContent('INC-9 was changed by someone else');
    expect(conflict).toHaveTextContent('Your change (Severity → Critical) was not saved. Severity is now Medium.');
    expect(conflict).toHaveTextContent('commander sam');
    // The header shows their state, not what this page wanted.
    expect(screen.getByTestId(ids.warRoom.severity)).toHaveAttribute('data-severity', 'medium');
    expect(screen.getByTestId(ids.warRoom.commander)).toHaveTextContent('sam');

    fireEvent.click(within(conflict).getByTestId(ids.warRoom.conflictRetry));
    await waitFor(() => expect(screen.getByTestId(ids.warRoom.severity)).toHaveAttribute('data-severity', 'critical'));
    expect(screen.queryByTestId(ids.warRoom.conflict)).not.toBeInTheDocument();
    expect(backend.requestsTo('PATCH', url).map((r) => r.data)).toEqual([
      { version: 2, severity: 'critical' },
      { version: 3, severity: 'critical' },
    ]);
  });

  test('a title edit is sent with the version the page holds', async () => {
    serve({ run: null, findings: [] });
    backend.on('PATCH', url, (r: BackendSrvRequest) => reply(200, { ...incident, title: r.data.title, version: 3 }));
    renderPage();
    fireEvent.click(await screen.findByTestId(ids.warRoom.editTitle));
    fireEvent.change(screen.getByTestId(ids.warRoom.titleInput), { target: { value: 'Checkout 500s after deploy' } });
    fireEvent.click(screen.getByTestId(ids.warRoom.saveEdit));
    await waitFor(() => expect(screen.getByTestId(ids.warRoom.title)).toHaveTextContent('Checkout 500s after deploy'));
    expect(backend.requestsTo('PATCH', url)[0]!.data).toEqual({ version: 2, title: 'Checkout 500s after deploy' });
  });

  test('the evidence panel says plainly which sources are degraded, failed or not configured, and ranks the findings', async () => {
    const run = makeRun({
      loki: { status: 'degraded', message: 'Loki answered 1 of 2 queries: timeout', durationMs: 5000, findings: 1 },
      tempo: { status: 'failed', message: 'Tempo circuit open: 5 failures in a row', durationMs: 2, findings: 0 },
      change: { status: 'skipped', message: null, durationMs: null, findings: 0 },
    });
    const findings = [
      makeFinding({ rank: 2, source: 'loki', signal: 'log_pattern', summary: 'New error pattern', score: 0.7 }),
      makeFinding({
        rank: 1,
        source: 'prometheus',
        summary: 'Error ratio up 20×',
        score: 0.95,
        data: {
          unit: 'ratio',
          series: [
            { t: 1, v: 0.01 },
            { t: 2, v: null },
            { t: 3, v: 0.2 },
          ],
        },
      }),
      makeFinding({
        rank: 3,
        source: 'prometheus',
        signal: 'latency_p95',
        summary: 'p95 doubled',
        score: 0.5,
        exploreUrl: null,
      }),
    ];
    serve({ run, findings });
    renderPage();

    const sources = await screen.findAllByTestId(ids.evidence.source);
    const bySource = Object.fromEntries(sources.map((s) => [s.getAttribute('data-source'), s]));
    expect(bySource.prometheus).toHaveAttribute('data-source-status', 'ok');
    expect(bySource.loki).toHaveAttribute('data-source-status', 'degraded');
    expect(bySource.loki).toHaveTextContent('Degraded');
    expect(bySource.loki).toHaveTextContent('Loki answered 1 of 2 queries: timeout');
    expect(bySource.tempo).toHaveTextContent('Failed');
    expect(bySource.tempo).toHaveTextContent('Tempo circuit open');
    expect(bySource.change).toHaveTextContent('Not configured');
    expect(bySource.change).toHaveTextContent('Changes not configured: it was not asked.');

    // Grouped by source in the order of their best finding, each group in rank order.
    const groups = screen.getAllByTestId(ids.evidence.group).map((g) => g.getAttribute('data-source'));
    expect(groups).toEqual(['prometheus', 'loki']);
    const ranks = screen.getAllByTestId(ids.evidence.finding).map((f) => f.getAttribute('data-rank'));
    expect(ranks).toEqual(['1', '3', '2']);
    const first = screen.getAllByTestId(ids.evidence.finding)[0]!;
    expect(first).toHaveTextContent('score 95 %');
    expect(within(first).getByRole('img')).toHaveAccessibleName('Error ratio: from 1.0 % to 20.0 %, peak 20.0 %');
    expect(within(first).getByTestId(ids.evidence.query)).toHaveTextContent('sum(rate(errors[5m]))');
    expect(within(first).getByTestId(ids.evidence.explore)).toHaveAttribute('href', '/explore?schemaVersion=1');
    expect(within(screen.getAllByTestId(ids.evidence.finding)[1]!).queryByTestId(ids.evidence.explore)).toBeNull();
  });

  test('before any correlation it says so, and a re-run shows the new findings', async () => {
    serve({ run: null, findings: [] });
    backend.on(
      'POST',
      `${url}/correlate`,
      reply(200, { run: makeRun(), findings: [makeFinding({ summary: 'Fresh finding' })] })
    );
    renderPage();
    expect(await screen.findByTestId(ids.evidence.empty)).toHaveTextContent('No correlation yet');
    fireEvent.click(screen.getByTestId(ids.evidence.rerun));
    expect(await screen.findByText('Fresh finding')).toBeInTheDocument();
    expect(screen.queryByTestId(ids.evidence.empty)).not.toBeInTheDocument();
  });

  test('pinning a finding puts it on the timeline and marks it pinned', async () => {
    const finding = makeFinding({ summary: 'Error ratio up' });
    serve({ run: makeRun(), findings: [finding] });
    backend.on(
      'POST',
      `${url}/correlations/${finding.id}/pin`,
      reply(
        201,
        makeTimelineEvent('evidence_pinned', {
          message: 'Pinned evidence: Error ratio up',
          data: { finding, note: null },
        })
      )
    );
    renderPage();
    fireEvent.click(await screen.findByTestId(ids.evidence.pin));
    await waitFor(() => expect(screen.getByTestId(ids.evidence.pin)).toHaveTextContent('Pinned'));
    expect(screen.getByTestId(ids.evidence.pin)).toBeDisabled();
    const entries = screen.getAllByTestId(ids.timeline.entry);
    expect(entries[0]).toHaveAttribute('data-event-type', 'evidence_pinned');
  });
});
