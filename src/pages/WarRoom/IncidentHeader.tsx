import React from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, useStyles2 } from '@grafana/ui';
import type { LiveStatus } from '../../api/live';
import type { Incident, ServiceImpact, TimelineEvent } from '../../api/types';
import { testIds } from '../../components/testIds';
import { reviewUrl } from '../../constants';
import { LiveBadge } from '../Incidents/LiveStatus';
import { useNow } from '../Incidents/useNow';
import { Acknowledgement } from './Acknowledgement';
import { EditNotices } from './EditNotices';
import { formatDuration, incidentDurationMs } from './format';
import { SeverityControl, StatusControl } from './HeaderMenus';
import { InlineTextEdit } from './InlineTextEdit';
import type { IncidentEditState } from './useIncidentEdit';

interface Props {
  incident: Incident;
  services: ServiceImpact[];
  /** The timeline (who acknowledged is on it). */
  events: TimelineEvent[];
  edit: IncidentEditState;
  /** Viewers see the values without the controls. */
  canEdit: boolean;
  /** False while the paging panel offers Acknowledge (one button for it on the page). */
  canAcknowledge: boolean;
  liveStatus: LiveStatus;
  /** Switches to the full-screen wallboard. */
  onWallboard: () => void;
  /** The incident as the acknowledge call answered it. */
  onAcknowledged: (incident: Incident) => void;
}

const IMPACT_COLORS = { major: 'red', partial: 'orange', minor: 'blue' } as const;
const REASONS = { declared: 'declared', alerts: 'named by alerts', correlation: 'pointed at by correlation' } as const;

/** The incident at a glance, with the controls to change what the incident commander owns. */
export function IncidentHeader(props: Props) {
  const { incident, services, events, edit, canEdit, canAcknowledge, liveStatus, onWallboard, onAcknowledged } = props;
  const styles = useStyles2(getStyles);
  const now = useNow(1000);
  const ended = incident.status === 'resolved';
  return (
    <section className={styles.header} data-testid={testIds.warRoom.header} aria-label="Incident">
      <div className={styles.top}>
        <div className={styles.titleBlock}>
          <span className={styles.reference}>{incident.reference}</span>
          <h2 className={styles.title}>
            <InlineTextEdit
              label="title"
              canEdit={canEdit}
              value={incident.title}
              isPending={edit.pendingField === 'title'}
              onSave={async (title) => (await edit.save({ field: 'title', value: title })) !== 'failed'}
              valueTestId={testIds.warRoom.title}
              editTestId={testIds.warRoom.editTitle}
              inputTestId={testIds.warRoom.titleInput}
            >
              {(title) => <span data-version={incident.version}>{title}</span>}
            </InlineTextEdit>
          </h2>
        </div>
        <div className={styles.actions}>
          <LiveBadge status={liveStatus} />
          <Button
            size="sm"
            variant="secondary"
            icon="presentation-play"
            onClick={onWallboard}
            data-testid={testIds.warRoom.wallboardButton}
          >
            Wallboard
          </Button>
          <Link className={styles.link} to={reviewUrl(incident.id)} data-testid={testIds.warRoom.reviewLink}>
            Review
          </Link>
        </div>
      </div>
      <dl className={styles.facts}>
        <div>
          <dt>Severity</dt>
          <dd>
            <SeverityControl
              severity={incident.severity}
              isPending={!canEdit || edit.pendingField === 'severity'}
              onChange={(value) => void edit.save({ field: 'severity', value })}
            />
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <StatusControl
              incident={incident}
              isPending={!canEdit || edit.pendingField === 'status'}
              onChange={(value) => void edit.save({ field: 'status', value })}
            />
          </dd>
        </div>
        <div>
          <dt>Acknowledged</dt>
          <dd>
            <Acknowledgement
              incident={incident}
              events={events}
              canEdit={canEdit && canAcknowledge}
              onAcknowledged={onAcknowledged}
            />
          </dd>
        </div>
        <div>
          <dt>Commander</dt>
          <dd>
            <InlineTextEdit
              label="commander"
              canEdit={canEdit}
              value={incident.commander ?? ''}
              placeholder="Unassigned"
              isPending={edit.pendingField === 'commander'}
              onSave={async (name) => (await edit.save({ field: 'commander', value: name || null })) !== 'failed'}
              valueTestId={testIds.warRoom.commander}
              editTestId={testIds.warRoom.editCommander}
              inputTestId={testIds.warRoom.commanderInput}
            >
              {(name) => name}
            </InlineTextEdit>
          </dd>
        </div>
        <div>
          <dt>{ended ? 'Lasted' : 'Duration'}</dt>
          <dd>
            <time
              className={styles.duration}
              dateTime={incident.startedAt}
              title={`Started ${dateTimeFormat(incident.startedAt)}`}
              data-testid={testIds.warRoom.duration}
            >
              {formatDuration(incidentDurationMs(incident.startedAt, incident.resolvedAt, now))}
            </time>
          </dd>
        </div>
        <div>
          <dt>Impacted services</dt>
          <dd className={styles.services} data-testid={testIds.warRoom.services}>
            {services.length === 0 && <span className={styles.secondary}>None recorded</span>}
            {services.map((s) => (
              <Badge
                key={s.service}
                color={s.impact ? IMPACT_COLORS[s.impact] : 'darkgrey'}
                text={`${s.service} · ${s.impact ?? 'suspected'}`}
                tooltip={`Why: ${s.reasons.map((r) => REASONS[r]).join(', ')}${s.alerts ? ` · ${s.alerts} alerts` : ''}${s.findings ? ` · ${s.findings} findings` : ''}`}
              />
            ))}
          </dd>
        </div>
      </dl>
      <EditNotices edit={edit} incident={incident} />
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  header: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  top: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'flex-start',
    gap: theme.spacing(2),
    flexWrap: 'wrap',
  }),
  titleBlock: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5), minWidth: 0 }),
  reference: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.secondary }),
  title: css({ margin: 0, ...theme.typography.h3 }),
  actions: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2) }),
  link: css({ color: theme.colors.text.link, '&:hover': { textDecoration: 'underline' } }),
  facts: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(3),
    margin: 0,
    dt: {
      color: theme.colors.text.secondary,
      fontSize: theme.typography.bodySmall.fontSize,
      marginBottom: theme.spacing(0.5),
    },
    dd: { margin: 0, minHeight: theme.spacing(4), display: 'flex', alignItems: 'center' },
  }),
  duration: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.h4.fontSize }),
  services: css({ display: 'flex', gap: theme.spacing(1), flexWrap: 'wrap' }),
  secondary: css({ color: theme.colors.text.secondary }),
});
