import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Tooltip, useStyles2 } from '@grafana/ui';
import type { LiveStatus } from '../../api/live';
import { testIds } from '../../components/testIds';

/** How long "live again" stays on screen after the link recovered. */
export const RECOVERED_NOTICE_MS = 10_000;

const LABELS: Record<LiveStatus['state'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  down: 'Live link down',
  off: 'Live updates off',
};

const TOOLTIPS: Record<LiveStatus['state'], string> = {
  connecting: 'Opening the live link to the sidecar.',
  live: 'Changes made anywhere appear here as they happen.',
  reconnecting: 'The live link dropped; reconnecting. Nothing is lost: missed changes are replayed.',
  down: 'The sidecar cannot be reached. This page may be out of date until the link returns.',
  off: 'No live URL could be worked out from the app settings (Live URL or Sidecar URL); reload to see changes.',
};

/** The small indicator next to the page's actions. */
export function LiveBadge({ status }: { status: LiveStatus }) {
  const styles = useStyles2(getStyles);
  const tooltip =
    status.lastError && status.state !== 'live'
      ? `${TOOLTIPS[status.state]} (${status.lastError})`
      : TOOLTIPS[status.state];
  return (
    <Tooltip content={tooltip}>
      <span
        className={styles.badge}
        data-testid={testIds.incidents.liveStatus}
        data-live-state={status.state}
        tabIndex={0}
      >
        <span className={styles.dot(status.state)} aria-hidden />
        {LABELS[status.state]}
      </span>
    </Tooltip>
  );
}

/**
 * What the user should know about the live link, inline above the list: a warning while it is down (the list may be
 * stale), and for a while after it returns, that it is back and caught up.
 */
export function LiveNotices({ status }: { status: LiveStatus }) {
  const { recoveredAt } = status;
  // Both hold the recoveredAt they are about, so a later recovery shows its notice again.
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [expiredAt, setExpiredAt] = useState<number | null>(null);

  useEffect(() => {
    if (recoveredAt === null) {
      return;
    }
    const timer = setTimeout(
      () => setExpiredAt(recoveredAt),
      Math.max(0, recoveredAt + RECOVERED_NOTICE_MS - Date.now())
    );
    return () => clearTimeout(timer);
  }, [recoveredAt]);

  if (status.state === 'down') {
    return (
      <Alert
        severity="warning"
        title="Live updates paused: the link to the sidecar is down"
        data-testid={testIds.incidents.liveDown}
      >
        Reconnecting in the background. Changes made meanwhile will appear as soon as the link is back.
      </Alert>
    );
  }
  const isRecent = recoveredAt !== null && expiredAt !== recoveredAt && dismissedAt !== recoveredAt;
  if (status.state === 'live' && isRecent) {
    return (
      <Alert
        severity="success"
        title="Live updates resumed"
        data-testid={testIds.incidents.liveRecovered}
        onRemove={() => setDismissedAt(recoveredAt)}
      >
        The link to the sidecar is back at {new Date(recoveredAt!).toLocaleTimeString()}; changes made while it was down
        are shown.
      </Alert>
    );
  }
  return null;
}

const getStyles = (theme: GrafanaTheme2) => {
  const colors: Record<LiveStatus['state'], string> = {
    connecting: theme.colors.text.disabled,
    live: theme.colors.success.main,
    reconnecting: theme.colors.warning.main,
    down: theme.colors.error.main,
    off: theme.colors.text.disabled,
  };
  return {
    badge: css({
      display: 'inline-flex',
      alignItems: 'center',
      gap: theme.spacing(0.75),
      color: theme.colors.text.secondary,
      fontSize: theme.typography.bodySmall.fontSize,
    }),
    dot: (state: LiveStatus['state']) =>
      css({
        width: theme.spacing(1),
        height: theme.spacing(1),
        borderRadius: theme.shape.radius.circle,
        background: colors[state],
      }),
  };
};
