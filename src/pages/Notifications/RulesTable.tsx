import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, IconButton, Stack, TagList, useStyles2 } from '@grafana/ui';
import type { Channel, NotificationRule } from '../../api/types';
import { listTableStyles } from '../../components/listTable';
import { testIds } from '../../components/testIds';
import { NOTIFICATION_EVENT_LABELS as EVENT_LABELS } from '../../components/notificationLabels';
import { describeScope } from './ruleFormat';

const ids = testIds.notifications;

interface Props {
  rules: NotificationRule[];
  channels: Channel[];
  isReadOnly: boolean;
  pendingMute: string | null;
  onEdit: (rule: NotificationRule) => void;
  onToggleMute: (rule: NotificationRule) => void;
  onDelete: (rule: NotificationRule) => void;
}

/** The rules: which events, for which incidents, to which channels. */
export function RulesTable({ rules, channels, isReadOnly, pendingMute, onEdit, onToggleMute, onDelete }: Props) {
  const styles = useStyles2(getStyles);
  const channelName = (id: string) => channels.find((c) => c.id === id)?.name ?? 'deleted channel';
  return (
    <table className={styles.table} data-testid={ids.ruleList}>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Events</th>
          <th scope="col">Incidents</th>
          <th scope="col">Channels</th>
          <th scope="col">Muted</th>
          <th scope="col">
            <span className={styles.visuallyHidden}>Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rules.map((rule) => (
          <tr
            key={rule.id}
            data-testid={ids.ruleRow}
            data-rule-id={rule.id}
            data-rule-name={rule.name}
            data-muted={String(rule.muted)}
          >
            <td className={styles.name}>{rule.name}</td>
            <td>
              <TagList className={styles.tags} tags={rule.events.map((e) => EVENT_LABELS[e] ?? e)} />
            </td>
            <td>{describeScope(rule)}</td>
            <td>{rule.channelIds.map(channelName).join(', ')}</td>
            <td>{rule.muted ? <Badge color="orange" text="Muted" icon="bell-slash" /> : 'No'}</td>
            <td>
              {!isReadOnly && (
                <Stack gap={1} justifyContent="flex-end">
                  <IconButton
                    name={rule.muted ? 'bell' : 'bell-slash'}
                    tooltip={rule.muted ? `Unmute ${rule.name}` : `Mute ${rule.name}`}
                    disabled={pendingMute === rule.id}
                    onClick={() => onToggleMute(rule)}
                    data-testid={ids.muteRule}
                  />
                  <IconButton
                    name="pen"
                    tooltip={`Edit ${rule.name}`}
                    onClick={() => onEdit(rule)}
                    data-testid={ids.editRule}
                  />
                  <IconButton
                    name="trash-alt"
                    tooltip={`Delete ${rule.name}`}
                    onClick={() => onDelete(rule)}
                    data-testid={ids.deleteRule}
                  />
                </Stack>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css(listTableStyles(theme)),
  name: css({ fontWeight: theme.typography.fontWeightMedium }),
  tags: css({ justifyContent: 'flex-start' }),
  visuallyHidden: css({
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  }),
});
