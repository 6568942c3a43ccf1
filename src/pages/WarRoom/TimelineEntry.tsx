import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Icon, useStyles2, type IconName } from '@grafana/ui';
import type { Finding, Hypothesis, TimelineEvent, TimelineEventType } from '../../api/types';
import { CHANNEL_KIND_LABELS, NOTIFICATION_EVENT_LABELS } from '../../components/notificationLabels';
import { testIds } from '../../components/testIds';
import { formatScore, formatTime, HYPOTHESIS_COLORS, SIGNAL_LABELS, SOURCE_LABELS } from './format';

const KINDS: Record<TimelineEventType, { icon: IconName; label: string }> = {
  created: { icon: 'fire', label: 'Declared' },
  status_changed: { icon: 'exchange-alt', label: 'Status' },
  severity_changed: { icon: 'exclamation-triangle', label: 'Severity' },
  commander_changed: { icon: 'user', label: 'Commander' },
  details_changed: { icon: 'pen', label: 'Details' },
  note: { icon: 'comment-alt', label: 'Note' },
  alert_fired: { icon: 'bell', label: 'Alert fired' },
  alert_resolved: { icon: 'bell-slash', label: 'Alert resolved' },
  alerts_resolved: { icon: 'bell-slash', label: 'Alerts resolved' },
  correlation_found: { icon: 'search', label: 'Correlation' },
  hypothesis_added: { icon: 'question-circle', label: 'Hypothesis' },
  hypothesis_decided: { icon: 'check-circle', label: 'Decision' },
  evidence_pinned: { icon: 'gf-pin', label: 'Pinned evidence' },
  acknowledged: { icon: 'check-square', label: 'Acknowledged' },
  notification: { icon: 'envelope', label: 'Notification' },
  escalation: { icon: 'bell', label: 'Escalation' },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const asFinding = (v: unknown): Finding | null =>
  isObject(v) && typeof v.summary === 'string' && typeof v.source === 'string' ? (v as unknown as Finding) : null;
const asHypothesis = (v: unknown): Hypothesis | null =>
  isObject(v) && typeof v.statement === 'string' && typeof v.status === 'string' ? (v as unknown as Hypothesis) : null;

type NotificationData = Extract<TimelineEvent, { type: 'notification' }>['data'];

const isNotificationData = (d: Record<string, unknown>): d is NotificationData =>
  typeof d.channel === 'string' && typeof d.kind === 'string' && typeof d.outcome === 'string';

/**
 * A delivery's outcome as one line: "Sent to #payments (Slack): delivered", "Sent to #payments (Slack) failed: 500
 * from receiver, retrying". Null when the entry lacks the data (the stored message is shown then).
 */
export function describeNotification(data: Record<string, unknown>): string | null {
  if (!isNotificationData(data)) {
    return null;
  }
  const target = `Sent to ${data.channel} (${CHANNEL_KIND_LABELS[data.kind] ?? data.kind})`;
  if (data.outcome === 'delivered') {
    return `${target}: delivered`;
  }
  const why = data.error ?? (data.status ? `${data.status} from receiver` : 'no answer');
  return data.outcome === 'retrying'
    ? `${target} failed: ${why}, retrying`
    : `${target} failed: ${why}, gave up${data.attempt > 1 ? ` after ${data.attempt} attempts` : ''}`;
}

/** What a kind of entry carries beyond its message, from its `data`. */
function Details({ event }: { event: TimelineEvent }) {
  const styles = useStyles2(getStyles);
  // Typed by kind, but an entry written by an older sidecar may hold less: read it as a plain record.
  const data: Record<string, unknown> = event.data ?? {};
  switch (event.type) {
    case 'correlation_found': {
      const top = Array.isArray(data.top) ? data.top.map(asFinding).filter((f): f is Finding => f !== null) : [];
      return top.length > 0 ? (
        <ol className={styles.list}>
          {top.map((f) => (
            <li key={f.id}>
              {SOURCE_LABELS[f.source] ?? f.source} · {formatScore(f.score)} · {f.summary}
            </li>
          ))}
        </ol>
      ) : null;
    }
    case 'hypothesis_added':
    case 'hypothesis_decided': {
      const h = asHypothesis(data.hypothesis);
      if (!h) {
        return null;
      }
      const note = typeof data.note === 'string' && data.note ? data.note : null;
      return (
        <div className={styles.detail}>
          <Badge color={HYPOTHESIS_COLORS[h.status] ?? 'blue'} text={h.status} />{' '}
          {h.origin === 'suggested' && <Badge color="purple" text="suggested" />}
          {note && <div className={styles.note}>Note: {note}</div>}
        </div>
      );
    }
    case 'evidence_pinned': {
      const f = asFinding(data.finding);
      if (!f) {
        return null;
      }
      const note = typeof data.note === 'string' && data.note ? data.note : null;
      return (
        <div className={styles.detail}>
          <div>
            {SOURCE_LABELS[f.source] ?? f.source} · {SIGNAL_LABELS[f.signal] ?? f.signal}
            {f.service ? ` · ${f.service}` : ''} · score {formatScore(f.score)}
          </div>
          {f.query && <code className={styles.query}>{f.query}</code>}
          {note && <div className={styles.note}>Note: {note}</div>}
        </div>
      );
    }
    case 'notification': {
      if (!isNotificationData(data)) {
        return null;
      }
      return (
        <div className={styles.detailLine}>
          {NOTIFICATION_EVENT_LABELS[data.event] ?? data.event} · attempt {data.attempt}
          {data.outcome === 'retrying' && data.nextAttemptAt && <> · next try {formatTime(data.nextAttemptAt)}</>}
        </div>
      );
    }
    default:
      return null;
  }
}

/** One timeline entry: when, who, what kind, the message, and the kind's details. */
export function TimelineEntry({ event }: { event: TimelineEvent }) {
  const styles = useStyles2(getStyles);
  const kind = KINDS[event.type] ?? { icon: 'info-circle', label: event.type };
  return (
    <li
      className={styles.entry}
      data-testid={testIds.timeline.entry}
      data-event-type={event.type}
      data-event-id={event.id}
    >
      <Icon name={kind.icon} className={styles.icon} aria-hidden />
      <div className={styles.body}>
        <div className={styles.meta}>
          <time dateTime={event.occurredAt}>{formatTime(event.occurredAt)}</time>
          <span className={styles.kind}>{kind.label}</span>
          <span>
            {event.author}
            {event.source !== 'user' && ` (${event.source})`}
          </span>
        </div>
        <div className={event.type === 'note' ? styles.noteText : undefined}>
          {(event.type === 'notification' && describeNotification(event.data ?? {})) || event.message}
        </div>
        <Details event={event} />
      </div>
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  entry: css({
    display: 'flex',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1, 0),
    borderBottom: `thin solid ${theme.colors.border.weak}`,
  }),
  icon: css({ color: theme.colors.text.secondary, marginTop: theme.spacing(0.25), flexShrink: 0 }),
  body: css({ minWidth: 0, flexGrow: 1, overflowWrap: 'anywhere' }),
  meta: css({
    display: 'flex',
    gap: theme.spacing(1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  kind: css({ fontWeight: theme.typography.fontWeightMedium, color: theme.colors.text.primary }),
  noteText: css({ whiteSpace: 'pre-wrap' }),
  detail: css({ marginTop: theme.spacing(0.5) }),
  detailLine: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  list: css({ margin: theme.spacing(0.5, 0, 0, 2), fontSize: theme.typography.bodySmall.fontSize }),
  note: css({ color: theme.colors.text.secondary, fontStyle: 'italic' }),
  query: css({
    display: 'block',
    marginTop: theme.spacing(0.5),
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
  }),
});
