import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, dateTimeFormatTimeAgo, type GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, LoadingPlaceholder, RadioButtonGroup, useStyles2, type BadgeColor } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/errors';
import { listDeliveries, redeliver } from '../../api/notifications';
import type { Channel, Delivery, DeliveryState, RuleEvent } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { listTableStyles } from '../../components/listTable';
import { NOTIFICATION_EVENT_LABELS } from '../../components/notificationLabels';
import { testIds } from '../../components/testIds';

const ids = testIds.deliveries;
type Filter = 'dead' | 'failed' | 'all';
const FILTERS: Array<{ value: Filter; label: string; description: string }> = [
  { value: 'dead', label: 'Dead', description: 'Given up on: out of attempts, or refused for good' },
  { value: 'failed', label: 'Failed', description: 'Failed the last attempt; another is scheduled' },
  { value: 'all', label: 'All', description: 'Every state, newest first' },
];
const STATE_COLORS: Record<DeliveryState, BadgeColor> = {
  pending: 'blue',
  sending: 'blue',
  delivered: 'green',
  failed: 'orange',
  dead: 'red',
};
const canRedeliver = (d: Delivery) => d.state === 'dead' || d.state === 'failed';

interface Props {
  channel: Channel;
  isReadOnly: boolean;
  onRefused: (error: ApiError) => boolean;
  /** A delivery went back in the queue: the channel's dead count changed. */
  onRedelivered: () => void;
}

/** A channel's deliveries, dead ones first asked for, with the last error of each and a Redeliver button. */
export function DeliveriesPanel({ channel, isReadOnly, onRefused, onRedelivered }: Props) {
  const styles = useStyles2(getStyles);
  const [filter, setFilter] = useState<Filter>('dead');
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    listDeliveries(
      channel.id,
      { state: filter === 'all' ? undefined : filter, limit: 100 },
      { signal: controller.signal }
    ).then(
      (found) => !controller.signal.aborted && setItems(found),
      (e: unknown) => !controller.signal.aborted && setLoadError(toApiError(e))
    );
    return () => controller.abort();
  }, [channel.id, filter, reloads]);

  /** Shows the loading state again, then asks for `next` (a filter) or the same list once more. */
  const refetch = (next: Filter = filter) => {
    setItems(null);
    setLoadError(null);
    setFilter(next);
    setReloads((n) => n + 1);
  };

  const onRedeliver = async (delivery: Delivery) => {
    setPending(delivery.id);
    setActionError(null);
    try {
      const queued = await redeliver(delivery.id);
      setItems((list) => list?.map((d) => (d.id === queued.id ? queued : d)) ?? null);
      onRedelivered();
    } catch (e) {
      const error = toApiError(e);
      if (!onRefused(error)) {
        setActionError(error);
      }
    } finally {
      setPending(null);
    }
  };

  return (
    <div className={styles.panel} data-testid={ids.panel}>
      <div data-testid={ids.stateFilter}>
        <RadioButtonGroup options={FILTERS} value={filter} onChange={(next) => refetch(next)} />
      </div>
      {actionError && (
        <ApiErrorAlert
          error={actionError}
          title="The delivery was not queued again"
          testId={ids.error}
          onDismiss={() => setActionError(null)}
        />
      )}
      {loadError && (
        <ApiErrorAlert
          error={loadError}
          title={`Could not load the deliveries of ${channel.name}`}
          testId={ids.error}
          onRetry={() => refetch()}
        />
      )}
      {!items && !loadError && <LoadingPlaceholder text="Loading deliveries…" />}
      {items && items.length === 0 && (
        <p className={styles.secondary} data-testid={ids.empty}>
          {filter === 'all' ? 'Nothing sent through this channel yet.' : `No ${filter} deliveries.`}
        </p>
      )}
      {items && items.length > 0 && (
        <table className={styles.table}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">State</th>
              <th scope="col">Last error</th>
              <th scope="col">
                <span className={styles.visuallyHidden}>Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-testid={ids.row} data-delivery-id={d.id} data-state={d.state}>
                <td>
                  <time dateTime={d.occurredAt} title={dateTimeFormat(d.occurredAt)}>
                    {dateTimeFormatTimeAgo(d.occurredAt)}
                  </time>
                </td>
                <td>
                  <div>{NOTIFICATION_EVENT_LABELS[d.event as RuleEvent] ?? d.event}</div>
                  {d.detail && <div className={styles.secondary}>{d.detail}</div>}
                </td>
                <td>
                  <Badge color={STATE_COLORS[d.state]} text={d.state} />
                  <div className={styles.secondary}>
                    {d.attempts} {d.attempts === 1 ? 'attempt' : 'attempts'}
                  </div>
                </td>
                <td className={styles.error}>
                  {d.lastError ? (
                    <>
                      {d.lastStatus !== null && <span>HTTP {d.lastStatus}: </span>}
                      {d.lastError}
                    </>
                  ) : (
                    <span className={styles.secondary}>None</span>
                  )}
                </td>
                <td>
                  {!isReadOnly && canRedeliver(d) && (
                    <Button
                      size="sm"
                      variant="secondary"
                      icon={pending === d.id ? 'spinner' : 'repeat'}
                      disabled={pending !== null}
                      onClick={() => void onRedeliver(d)}
                      data-testid={ids.redeliver}
                    >
                      Redeliver
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  table: css(listTableStyles(theme)),
  secondary: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  error: css({ overflowWrap: 'anywhere' }),
  visuallyHidden: css({
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  }),
});
