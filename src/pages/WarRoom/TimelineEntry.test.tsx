import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { TIMELINE_EVENT_TYPES, type TimelineEvent, type TimelineEventType } from '../../api/types';
import { testIds } from '../../components/testIds';
import { makeFinding, makeHypothesis, makeTimelineEvent } from '../../testUtils/evidenceFixtures';
import { TimelineEntry } from './TimelineEntry';

const ALL_KINDS = TIMELINE_EVENT_TYPES;

const LABELS: Record<TimelineEventType, string> = {
  created: 'Declared',
  status_changed: 'Status',
  severity_changed: 'Severity',
  commander_changed: 'Commander',
  details_changed: 'Details',
  note: 'Note',
  alert_fired: 'Alert fired',
  alert_resolved: 'Alert resolved',
  alerts_resolved: 'Alerts resolved',
  correlation_found: 'Correlation',
  hypothesis_added: 'Hypothesis',
  hypothesis_decided: 'Decision',
  evidence_pinned: 'Pinned evidence',
  acknowledged: 'Acknowledged',
  notification: 'Notification',
  escalation: 'Escalation',
};

function renderEntry(event: TimelineEvent) {
  render(
    <ol>
      <TimelineEntry event={event} />
    </ol>
  );
  return screen.getByTestId(testIds.timeline.entry);
}

describe('TimelineEntry', () => {
  test.each(ALL_KINDS)('shows a %s entry with its kind, author and message', (type) => {
    const entry = renderEntry(makeTimelineEvent(type, { message: `message of ${type}`, author: 'robin' }));
    expect(entry).toHaveAttribute('data-event-type', type);
    expect(entry).toHaveTextContent(LABELS[type]);
    expect(entry).toHaveTextContent('robin');
    expect(entry).toHaveTextContent(`message of ${type}`);
  });

  const notification = (data: Record<string, unknown>) =>
    makeTimelineEvent('notification', {
      author: 'system',
      source: 'system',
      message: 'stored message',
      data: {
        deliveryId: 'd1',
        channelId: 'c1',
        channel: '#payments',
        kind: 'slack',
        event: 'declared',
        outcome: 'delivered',
        attempt: 1,
        error: null,
        status: null,
        nextAttemptAt: null,
        ...data,
      } as never,
    });

  test('a delivered notification reads "Sent to #payments (Slack): delivered"', () => {
    const entry = renderEntry(notification({}));
    expect(entry).toHaveTextContent('Sent to #payments (Slack): delivered');
    expect(entry).toHaveTextContent('Declared · attempt 1');
    expect(entry).not.toHaveTextContent('stored message');
  });

  test('a failed one says why and that it is retrying, or that it gave up', () => {
    const retrying = renderEntry(
      notification({
        outcome: 'retrying',
        attempt: 2,
        error: '500 from receiver',
        status: 500,
        nextAttemptAt: '2026-03-02T10:20:00.000Z',
      })
    );
    expect(retrying).toHaveTextContent('Sent to #payments (Slack) failed: 500 from receiver, retrying');
    expect(retrying).toHaveTextContent('attempt 2 · next try');
    retrying.remove();
    const dead = renderEntry(
      notification({ kind: 'webhook', channel: 'ops', outcome: 'dead', attempt: 8, error: null, status: 502 })
    );
    expect(dead).toHaveTextContent('Sent to ops (Webhook) failed: 502 from receiver, gave up after 8 attempts');
  });

  test('marks entries written by the system or a bot', () => {
    const entry = renderEntry(makeTimelineEvent('alert_fired', { author: 'alertmanager', source: 'api' }));
    expect(entry).toHaveTextContent('alertmanager (api)');
  });

  test('a correlation lists its top findings with source and score', () => {
    const top = [
      makeFinding({ source: 'loki', score: 0.81, summary: 'New error pattern' }),
      makeFinding({ source: 'tempo', score: 0.4, summary: 'Slow traces' }),
    ];
    const entry = renderEntry(
      makeTimelineEvent('correlation_found', { data: { runId: 'r1', findings: 2, top, sources: {} } })
    );
    const items = within(entry).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Loki · 81 % · New error pattern');
    expect(items[1]).toHaveTextContent('Tempo · 40 % · Slow traces');
  });

  test('a decision shows the verdict, that it was suggested, and the note', () => {
    const hypothesis = makeHypothesis({ status: 'refuted', origin: 'suggested' });
    const entry = renderEntry(
      makeTimelineEvent('hypothesis_decided', { data: { hypothesis, note: 'Errors began before it' } })
    );
    expect(entry).toHaveTextContent('refuted');
    expect(entry).toHaveTextContent('suggested');
    expect(entry).toHaveTextContent('Note: Errors began before it');
  });

  test('pinned evidence shows the frozen finding and its query', () => {
    const finding = makeFinding({
      source: 'loki',
      signal: 'log_pattern',
      score: 0.7,
      query: '{service="checkout"} |= "error"',
    });
    const entry = renderEntry(makeTimelineEvent('evidence_pinned', { data: { finding, note: null } }));
    expect(entry).toHaveTextContent('Loki · New log pattern · checkout · score 70 %');
    expect(within(entry).getByText('{service="checkout"} |= "error"')).toBeInTheDocument();
  });

  test('an entry whose data is not what its kind promises still shows its message', () => {
    const entry = renderEntry(
      makeTimelineEvent('evidence_pinned', { message: 'Pinned something', data: { finding: 42 } as never })
    );
    expect(entry).toHaveTextContent('Pinned something');
  });
});
