import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, ConfirmModal, Drawer, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { Channel, NotificationRule } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { ChannelForm } from './ChannelForm';
import { ChannelsTable } from './ChannelsTable';
import { ConflictAlert } from './ConflictAlert';
import { DeliveriesPanel } from './DeliveriesPanel';
import { RuleForm } from './RuleForm';
import { RulesTable } from './RulesTable';
import { useNotificationActions } from './useNotificationActions';
import { useNotifications } from './useNotifications';
import { useWriteAccess } from '../../components/useWriteAccess';

const ids = testIds.notifications;

type Open =
  | { what: 'channel'; channel?: Channel }
  | { what: 'rule'; rule?: NotificationRule }
  | { what: 'deliveries'; channel: Channel }
  | null;
type Deleting = { what: 'channel'; channel: Channel } | { what: 'rule'; rule: NotificationRule } | null;

/** Where incident notifications go (channels) and which events go where (rules); admins change them. */
export function NotificationsPage() {
  const styles = useStyles2(getStyles);
  const data = useNotifications();
  const access = useWriteAccess();
  const actions = useNotificationActions(data, access);
  const [open, setOpen] = useState<Open>(null);
  const [deleting, setDeleting] = useState<Deleting>(null);
  const { isReadOnly } = access;

  const confirmDelete = async () => {
    if (!deleting) {
      return;
    }
    // Closed either way: a failure shows on the page, next to the table.
    setDeleting(null);
    await (deleting.what === 'channel' ? actions.removeChannel(deleting.channel) : actions.removeRule(deleting.rule));
  };

  return (
    <PluginPage>
      <div className={styles.page} data-testid={ids.container}>
        {isReadOnly && (
          <Alert severity="info" title="Read only" data-testid={ids.readOnly}>
            {access.refusal
              ? `Changing notifications was refused: ${access.refusal.message} Ask an admin to change channels and rules.`
              : 'Your role can see the channels and rules but not change them.'}
          </Alert>
        )}
        {data.error && data.phase === 'error' && (
          <ApiErrorAlert
            error={data.error}
            title="Could not load the notification channels and rules"
            testId={ids.pageError}
            onRetry={data.reload}
          />
        )}
        {data.phase === 'loading' && <LoadingPlaceholder text="Loading channels and rules…" />}
        {actions.conflict && (
          <ConflictAlert
            title={`${actions.conflict.what} ${actions.conflict.name} was changed by someone else`}
            retryLabel={actions.conflict.wantsMuted ? 'Mute it anyway' : 'Unmute it anyway'}
            onRetry={actions.conflict.retry}
            onKeepTheirs={actions.dismiss}
            testId={ids.conflict}
            retryTestId={`${ids.conflict} retry`}
          >
            <div>
              Your change ({actions.conflict.wantsMuted ? 'mute' : 'unmute'}) was not saved. It is now{' '}
              <strong>{actions.conflict.isMutedNow ? 'muted' : 'not muted'}</strong> (version {actions.conflict.version}
              ).
            </div>
          </ConflictAlert>
        )}
        {actions.actionError && (
          <ApiErrorAlert
            error={actions.actionError.error}
            title={actions.actionError.title}
            testId={ids.actionError}
            onDismiss={actions.dismiss}
          />
        )}
        {data.phase === 'ready' && (
          <>
            <section className={styles.section} aria-labelledby="notifications-channels">
              <div className={styles.heading}>
                <h3 id="notifications-channels">Channels</h3>
                {!isReadOnly && (
                  <Button icon="plus" onClick={() => setOpen({ what: 'channel' })} data-testid={ids.addChannel}>
                    Add channel
                  </Button>
                )}
              </div>
              {data.channels.length === 0 ? (
                <p className={styles.secondary} data-testid={ids.channelsEmpty}>
                  No channels yet. A channel is where notifications go: a webhook, Slack, Teams, email or ntfy.
                </p>
              ) : (
                <ChannelsTable
                  channels={data.channels}
                  deadCounts={data.deadCounts}
                  tests={actions.tests}
                  isReadOnly={isReadOnly}
                  pendingMute={actions.pendingMute}
                  onTest={actions.sendTest}
                  onDismissTest={actions.dismissTest}
                  onEdit={(channel) => setOpen({ what: 'channel', channel })}
                  onToggleMute={actions.toggleChannelMute}
                  onDelete={(channel) => setDeleting({ what: 'channel', channel })}
                  onDeliveries={(channel) => setOpen({ what: 'deliveries', channel })}
                />
              )}
            </section>
            <section className={styles.section} aria-labelledby="notifications-rules">
              <div className={styles.heading}>
                <h3 id="notifications-rules">Rules</h3>
                {!isReadOnly && (
                  <Button icon="plus" onClick={() => setOpen({ what: 'rule' })} data-testid={ids.addRule}>
                    Add rule
                  </Button>
                )}
              </div>
              {data.rules.length === 0 ? (
                <p className={styles.secondary} data-testid={ids.rulesEmpty}>
                  No rules yet: nothing is sent. A rule sends chosen incident events to one or more channels.
                </p>
              ) : (
                <RulesTable
                  rules={data.rules}
                  channels={data.channels}
                  isReadOnly={isReadOnly}
                  pendingMute={actions.pendingMute}
                  onEdit={(rule) => setOpen({ what: 'rule', rule })}
                  onToggleMute={actions.toggleRuleMute}
                  onDelete={(rule) => setDeleting({ what: 'rule', rule })}
                />
              )}
            </section>
          </>
        )}
      </div>
      {open?.what === 'channel' && (
        <Drawer
          title={open.channel ? `Edit ${open.channel.name}` : 'Add a channel'}
          size="md"
          onClose={() => setOpen(null)}
        >
          <ChannelForm
            channel={open.channel}
            onSaved={(channel) => {
              data.upsertChannel(channel);
              // A new channel has no count yet; an edited one may have changed since the page loaded.
              data.recountDead(channel.id);
              setOpen(null);
            }}
            onCancel={() => setOpen(null)}
            onRefused={access.noteRefusal}
          />
        </Drawer>
      )}
      {open?.what === 'rule' && (
        <Drawer title={open.rule ? `Edit ${open.rule.name}` : 'Add a rule'} size="md" onClose={() => setOpen(null)}>
          <RuleForm
            rule={open.rule}
            channels={data.channels}
            services={data.services}
            servicesError={data.servicesError}
            onSaved={(rule) => {
              data.upsertRule(rule);
              setOpen(null);
            }}
            onCancel={() => setOpen(null)}
            onRefused={access.noteRefusal}
          />
        </Drawer>
      )}
      {open?.what === 'deliveries' && (
        <Drawer title={`Deliveries of ${open.channel.name}`} size="lg" onClose={() => setOpen(null)}>
          <DeliveriesPanel
            channel={open.channel}
            isReadOnly={isReadOnly}
            onRefused={access.noteRefusal}
            onRedelivered={() => data.recountDead(open.channel.id)}
          />
        </Drawer>
      )}
      <ConfirmModal
        isOpen={deleting !== null}
        title={deleting?.what === 'channel' ? 'Delete channel' : 'Delete rule'}
        body={
          deleting?.what === 'channel'
            ? `Delete ${deleting.channel.name}? Its deliveries go too, and every rule stops sending to it.`
            : `Delete ${deleting?.what === 'rule' ? deleting.rule.name : ''}? Its events stop being sent.`
        }
        confirmText="Delete"
        onConfirm={() => void confirmDelete()}
        onDismiss={() => setDeleting(null)}
      />
    </PluginPage>
  );
}

export default NotificationsPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  heading: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'center',
    h3: { margin: 0 },
  }),
  secondary: css({ color: theme.colors.text.secondary }),
});
