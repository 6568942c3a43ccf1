import React, { useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';
import { acknowledgeIncident } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Incident, TimelineEvent } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { formatTime } from './format';

interface Props {
  incident: Incident;
  /** The timeline: its first `acknowledged` entry says who (the incident only says when). */
  events: TimelineEvent[];
  canEdit: boolean;
  /** The acknowledged incident from the answer (the live feed brings the same, possibly first). */
  onAcknowledged: (incident: Incident) => void;
}

/** Who acknowledged the incident, from its timeline; null until that entry arrives. */
export function acknowledgedBy(events: TimelineEvent[]): { author: string; isLink: boolean } | null {
  const entry = events.find((e) => e.type === 'acknowledged');
  if (!entry || entry.type !== 'acknowledged') {
    return null;
  }
  return { author: entry.author, isLink: entry.data?.via === 'link' };
}

/**
 * "Acknowledged by X at T", or the button that acknowledges. Whoever acknowledges (here, another page, an
 * acknowledge link in a notification), the live feed brings the incident and the timeline entry, so this follows.
 */
export function Acknowledgement({ incident, events, canEdit, onAcknowledged }: Props) {
  const styles = useStyles2(getStyles);
  const [isPending, setIsPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  if (incident.acknowledgedAt) {
    const by = acknowledgedBy(events);
    return (
      <span data-testid={testIds.warRoom.acknowledged}>
        Acknowledged{by ? ` by ${by.author}` : ''} at{' '}
        <time dateTime={incident.acknowledgedAt} title={dateTimeFormat(incident.acknowledgedAt)}>
          {formatTime(incident.acknowledgedAt)}
        </time>
        {by?.isLink && <span className={styles.secondary}> (acknowledge link)</span>}
      </span>
    );
  }
  if (incident.status === 'resolved') {
    return <span className={styles.secondary}>Resolved without an acknowledgement</span>;
  }
  if (!canEdit) {
    return <span className={styles.secondary}>Not yet</span>;
  }

  const acknowledge = async () => {
    setIsPending(true);
    setError(null);
    try {
      onAcknowledged(await acknowledgeIncident(incident.id));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setIsPending(false);
    }
  };

  return (
    <div className={styles.pending}>
      <Button
        size="sm"
        variant="primary"
        icon={isPending ? 'spinner' : 'check'}
        disabled={isPending}
        onClick={() => void acknowledge()}
        data-testid={testIds.warRoom.acknowledge}
      >
        Acknowledge
      </Button>
      {error && (
        <ApiErrorAlert
          error={error}
          title="The incident was not acknowledged"
          testId={testIds.warRoom.acknowledgeError}
          onDismiss={() => setError(null)}
        />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  secondary: css({ color: theme.colors.text.secondary }),
  pending: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
});
