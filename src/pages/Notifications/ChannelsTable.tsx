import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, dateTimeFormatTimeAgo, type GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, IconButton, Stack, useStyles2 } from '@grafana/ui';
import type { ApiError } from '../../api/errors';
import type { Channel, ChannelTestResult } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { listTableStyles } from '../../components/listTable';
import { testIds } from '../../components/testIds';
import { CHANNEL_KIND_LABELS } from '../../components/notificationLabels';
import { DEAD_COUNT_LIMIT } from './useNotifications';

const ids = testIds.notifications;
const COLUMNS = 6;

/** Where "Send test message" is for one channel. */
export type TestState =
  { phase: 'sending' } | { phase: 'done'; result: ChannelTestResult } | { phase: 'error'; error: ApiError };

interface Props {
  channels: Channel[];
  deadCounts: Record<string, number>;
  tests: Record<string, TestState | undefined>;
  isReadOnly: boolean;
  /** The id of the channel whose mute is being changed. */
  pendingMute: string | null;
  onTest: (channel: Channel) => void;
  onDismissTest: (channel: Channel) => void;
  onEdit: (channel: Channel) => void;
  onToggleMute: (channel: Channel) => void;
  onDelete: (channel: Channel) => void;
  onDeliveries: (channel: Channel) => void;
}

/** The outcome of a test message, under its channel's row. */
function TestOutcome({ state, onDismiss }: { state: TestState; onDismiss: () => void }) {
  if (state.phase === 'sending') {
    return null;
  }
  if (state.phase === 'error') {
    return (
      <ApiErrorAlert
        error={state.error}
        title="The test message could not be sent"
        testId={ids.testResult}
        onDismiss={onDismiss}
      />
    );
  }
  const { result } = state;
  return result.delivered ? (
    <Alert
      severity="success"
      title={`Test message delivered in ${result.durationMs} ms`}
      data-testid={ids.testResult}
      data-delivered="true"
      onRemove={onDismiss}
    />
  ) : (
    <Alert
      severity="error"
      title={`Test message not delivered${result.status ? ` (HTTP ${result.status})` : ''}`}
      data-testid={ids.testResult}
      data-delivered="false"
      onRemove={onDismiss}
    >
      <div>{result.error}</div>
      <div>
        {result.isPermanent
          ? 'The receiver refused it for good: fix the channel’s settings or secrets.'
          : 'A retry may succeed: real deliveries are retried on failures like this one.'}
      </div>
    </Alert>
  );
}

/** The channels: kind, muted, the last error and when, and how many deliveries were given up on. */
export function ChannelsTable(props: Props) {
  const { channels, deadCounts, tests, isReadOnly, pendingMute } = props;
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table} data-testid={ids.channelList}>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Muted</th>
          <th scope="col">Last error</th>
          <th scope="col">Dead deliveries</th>
          <th scope="col">
            <span className={styles.visuallyHidden}>Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {channels.map((channel) => {
          const test = tests[channel.id];
          const dead = deadCounts[channel.id];
          return (
            <React.Fragment key={channel.id}>
              <tr
                data-testid={ids.channelRow}
                data-channel-id={channel.id}
                data-channel-name={channel.name}
                data-channel-kind={channel.kind}
                data-muted={String(channel.muted)}
              >
                <td className={styles.name}>{channel.name}</td>
                <td>{CHANNEL_KIND_LABELS[channel.kind] ?? channel.kind}</td>
                <td>{channel.muted ? <Badge color="orange" text="Muted" icon="bell-slash" /> : <span>No</span>}</td>
                <td className={styles.error}>
                  {channel.lastError ? (
                    <>
                      <div>{channel.lastError}</div>
                      {channel.lastErrorAt && (
                        <time
                          className={styles.secondary}
                          dateTime={channel.lastErrorAt}
                          title={dateTimeFormat(channel.lastErrorAt)}
                        >
                          {dateTimeFormatTimeAgo(channel.lastErrorAt)}
                        </time>
                      )}
                    </>
                  ) : (
                    <span className={styles.none}>None</span>
                  )}
                </td>
                <td>
                  <Button
                    size="sm"
                    variant={dead ? 'destructive' : 'secondary'}
                    fill="text"
                    onClick={() => props.onDeliveries(channel)}
                    data-testid={ids.deadCount}
                    data-count={dead ?? ''}
                    aria-label={`Deliveries of ${channel.name}: ${dead ?? 'unknown'} dead`}
                  >
                    {dead === undefined ? '…' : dead >= DEAD_COUNT_LIMIT ? `${DEAD_COUNT_LIMIT}+` : String(dead)}
                  </Button>
                </td>
                <td>
                  <Stack gap={1} justifyContent="flex-end" alignItems="center">
                    {!isReadOnly && (
                      <Button
                        size="sm"
                        variant="secondary"
                        icon={test?.phase === 'sending' ? 'spinner' : 'message'}
                        disabled={test?.phase === 'sending'}
                        onClick={() => props.onTest(channel)}
                        data-testid={ids.sendTest}
                      >
                        Send test message
                      </Button>
                    )}
                    <IconButton
                      name="history"
                      tooltip={`Deliveries of ${channel.name}`}
                      onClick={() => props.onDeliveries(channel)}
                      data-testid={ids.showDeliveries}
                    />
                    {!isReadOnly && (
                      <>
                        <IconButton
                          name={channel.muted ? 'bell' : 'bell-slash'}
                          tooltip={channel.muted ? `Unmute ${channel.name}` : `Mute ${channel.name}`}
                          disabled={pendingMute === channel.id}
                          onClick={() => props.onToggleMute(channel)}
                          data-testid={ids.muteChannel}
                        />
                        <IconButton
                          name="pen"
                          tooltip={`Edit ${channel.name}`}
                          onClick={() => props.onEdit(channel)}
                          data-testid={ids.editChannel}
                        />
                        <IconButton
                          name="trash-alt"
                          tooltip={`Delete ${channel.name}`}
                          onClick={() => props.onDelete(channel)}
                          data-testid={ids.deleteChannel}
                        />
                      </>
                    )}
                  </Stack>
                </td>
              </tr>
              {test && test.phase !== 'sending' && (
                <tr className={styles.outcomeRow}>
                  <td colSpan={COLUMNS}>
                    <TestOutcome state={test} onDismiss={() => props.onDismissTest(channel)} />
                  </td>
                </tr>
              )}
            </React.Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css(listTableStyles(theme)),
  name: css({ fontWeight: theme.typography.fontWeightMedium }),
  error: css({ maxWidth: theme.spacing(50), overflowWrap: 'anywhere', color: theme.colors.error.text }),
  secondary: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  none: css({ color: theme.colors.text.secondary }),
  outcomeRow: css({ td: { paddingTop: 0 } }),
  visuallyHidden: css({
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  }),
});
