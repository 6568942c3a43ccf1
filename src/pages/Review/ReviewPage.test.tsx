import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { BackendSrvRequest } from '@grafana/runtime';
import type { Postmortem } from '../../api/types';
import { testIds } from '../../components/testIds';
import { makeFinding, makeHypothesis, makePostmortem, makeTimelineEvent } from '../../testUtils/evidenceFixtures';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { ReviewPage } from './ReviewPage';

const PM_URL = '/api/plugin-proxy/reliability-studio-app/api/incidents/i1/postmortem';
const ids = testIds.review;

jest.setTimeout(20_000);

function renderPage() {
  return render(
    <MemoryRouter initialEntries={['/incidents/i1/review']}>
      <Routes>
        <Route path="/incidents/:id/review" element={<ReviewPage />} />
      </Routes>
    </MemoryRouter>
  );
}

describe('ReviewPage', () => {
  let backend: FakeBackendSrv;
  let stored: Postmortem;

  beforeEach(() => {
    backend = installFakeBackendSrv();
    stored = makePostmortem({
      timeline: [makeTimelineEvent('note', { message: 'Rolled back' })],
      hypotheses: [makeHypothesis({ statement: 'The deploy', status: 'confirmed', decisionNote: 'Rollback fixed it' })],
      pinnedEvidence: [makeFinding({ summary: 'Error ratio up 20×' })],
      version: 3,
      edits: { summary: 'Draft summary', impact: '', rootCause: '', lessons: '', followUps: [] },
    });
    backend.on('GET', PM_URL, reply(200, stored));
  });

  test('shows the generated sections read-only, and says when the budget burned is unavailable', async () => {
    renderPage();
    expect(await screen.findByTestId(ids.summary)).toHaveValue('Draft summary');
    expect(screen.getByTestId(ids.timeline)).toHaveTextContent('Rolled back');
    expect(screen.getByTestId(ids.hypotheses)).toHaveTextContent('confirmed');
    expect(screen.getByTestId(ids.hypotheses)).toHaveTextContent('Rollback fixed it');
    expect(screen.getByTestId(ids.pinned)).toHaveTextContent('Error ratio up 20×');
    expect(screen.getByTestId(ids.budget)).toHaveTextContent('Unavailable');
  });

  test('saves the edits with the version seen', async () => {
    backend.on('PUT', PM_URL, (r: BackendSrvRequest) =>
      reply(200, { ...stored, edits: { ...r.data, version: undefined }, version: 4 })
    );
    renderPage();
    fireEvent.change(await screen.findByTestId(ids.rootCause), { target: { value: 'No timeout on the client' } });
    fireEvent.click(screen.getByTestId(ids.addFollowUp));
    fireEvent.change(screen.getByRole('textbox', { name: 'Follow-up 1' }), { target: { value: 'Add a timeout' } });
    fireEvent.click(screen.getByTestId(ids.save));
    expect(await screen.findByTestId(ids.saved)).toHaveTextContent('Saved (version 4)');
    expect(backend.requestsTo('PUT', PM_URL)[0]!.data).toEqual({
      summary: 'Draft summary',
      impact: '',
      rootCause: 'No timeout on the client',
      lessons: '',
      followUps: [{ title: 'Add a timeout', owner: null, done: false }],
      version: 3,
    });
  });

  test('a save someone else made first shows their text; mine can be saved over it or dropped', async () => {
    const theirs = { ...stored, edits: { ...stored.edits, lessons: 'Sam wrote this' }, version: 4 };
    backend.on('PUT', PM_URL, (r: BackendSrvRequest) =>
      r.data.version === 3
        ? reply(409, envelope('VERSION_CONFLICT', 'The postmortem was changed by someone else', { currentVersion: 4 }))
        : reply(200, { ...theirs, edits: { ...r.data, version: undefined }, version: 5 })
    );
    renderPage();
    fireEvent.change(await screen.findByTestId(ids.lessons), { target: { value: 'Mine' } });
    backend.on('GET', PM_URL, reply(200, theirs));
    fireEvent.click(screen.getByTestId(ids.save));

    const conflict = await screen.findByTestId(ids.conflict);
    expect(conflict).toHaveTextContent('The review was changed by someone else');
    expect(conflict).toHaveTextContent('Lessons: Sam wrote this');
    // My text is still in the form.
    expect(screen.getByTestId(ids.lessons)).toHaveValue('Mine');

    fireEvent.click(within(conflict).getByRole('button', { name: 'Save mine over theirs' }));
    expect(await screen.findByTestId(ids.saved)).toHaveTextContent('Saved (version 5)');
    expect(backend.requestsTo('PUT', PM_URL).map((r) => r.data.version)).toEqual([3, 4]);
    expect(screen.getByTestId(ids.lessons)).toHaveValue('Mine');
  });

  test('"Discard mine" takes what the other person saved', async () => {
    const theirs = { ...stored, edits: { ...stored.edits, lessons: 'Sam wrote this' }, version: 4 };
    backend.on('PUT', PM_URL, reply(409, envelope('VERSION_CONFLICT', 'changed', { currentVersion: 4 })));
    renderPage();
    fireEvent.change(await screen.findByTestId(ids.lessons), { target: { value: 'Mine' } });
    backend.on('GET', PM_URL, reply(200, theirs));
    fireEvent.click(screen.getByTestId(ids.save));
    fireEvent.click(within(await screen.findByTestId(ids.conflict)).getByRole('button', { name: /Discard mine/ }));
    await waitFor(() => expect(screen.getByTestId(ids.lessons)).toHaveValue('Sam wrote this'));
    expect(screen.queryByTestId(ids.conflict)).not.toBeInTheDocument();
  });

  test('downloads the Markdown the sidecar renders', async () => {
    const { createObjectURL, revokeObjectURL } = URL;
    const created: Blob[] = [];
    URL.createObjectURL = jest.fn((blob: Blob) => {
      created.push(blob);
      return 'blob:markdown';
    });
    URL.revokeObjectURL = jest.fn();
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    backend.on('GET', PM_URL, (r: BackendSrvRequest) =>
      r.params?.format === 'md' ? reply(200, '# INC-7 Checkout down\n') : reply(200, stored)
    );
    renderPage();
    fireEvent.click(await screen.findByTestId(ids.download));
    await waitFor(() => expect(click).toHaveBeenCalled());
    // jsdom's Blob has no text(): read it the old way.
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(created[0]!);
    });
    expect(text).toBe('# INC-7 Checkout down\n');
    expect(created[0]!.type).toMatch(/^text\/markdown/);
    const request = backend.requests.find((r) => r.params?.format === 'md')!;
    expect(request.responseType).toBe('text');
    click.mockRestore();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
  });
});
