import React, { useCallback, useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { Finding, TimelineEvent } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { prefixRoute, ROUTES } from '../../constants';
import { LiveNotices } from '../Incidents/LiveStatus';
import { EvidencePanel } from './EvidencePanel';
import { HypothesesBoard } from './HypothesesBoard';
import { IncidentHeader } from './IncidentHeader';
import { PagingPanel } from './PagingPanel';
import { canEdit as userCanEdit } from '../../components/permissions';
import { Timeline } from './Timeline';
import { useCorrelations } from './useCorrelations';
import { useEscalation } from './useEscalation';
import { useHypotheses } from './useHypotheses';
import { useIncident } from './useIncident';
import { useIncidentEdit } from './useIncidentEdit';
import { useTimeline } from './useTimeline';
import { POLL_INTERVAL_MS, useWarRoomLive } from './useWarRoomLive';
import { Wallboard } from './Wallboard';

export const WALLBOARD_PARAM = 'wallboard';

/** Finding ids pinned on this timeline (the entry freezes the finding, id included). */
function pinnedFindingIds(events: TimelineEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const e of events) {
    const finding = e.type === 'evidence_pinned' ? (e.data?.finding as Partial<Finding> | undefined) : undefined;
    if (typeof finding?.id === 'string') {
      ids.add(finding.id);
    }
  }
  return ids;
}

/** One incident's war room: header, evidence, hypotheses and the live timeline; `?wallboard=1` for the wall screen. */
export function WarRoomPage() {
  const { id = '' } = useParams();
  // Keyed by incident: moving to another incident's war room starts from a clean state.
  return <WarRoom key={id} id={id} />;
}

function WarRoom({ id }: { id: string }) {
  const styles = useStyles2(getStyles);
  const [searchParams, setSearchParams] = useSearchParams();
  const isWallboard = searchParams.get(WALLBOARD_PARAM) === '1';
  const incident = useIncident(id);
  const timeline = useTimeline(id);
  const correlations = useCorrelations(id);
  const hypotheses = useHypotheses(id);
  const paging = useEscalation(id);
  const { status: liveStatus, refresh } = useWarRoomLive(id, { incident, timeline, correlations, hypotheses, paging });
  const edit = useIncidentEdit(incident.incident, incident.apply);
  const canEdit = userCanEdit();
  const pinnedIds = useMemo(() => pinnedFindingIds(timeline.events), [timeline.events]);

  const setWallboard = useCallback(
    (on: boolean) =>
      setSearchParams((params) => {
        const next = new URLSearchParams(params);
        if (on) {
          next.set(WALLBOARD_PARAM, '1');
        } else {
          next.delete(WALLBOARD_PARAM);
        }
        return next;
      }),
    [setSearchParams]
  );

  const current = incident.incident;
  if (current && isWallboard) {
    return (
      <Wallboard
        incident={current}
        events={timeline.events}
        findings={correlations.result?.findings ?? []}
        liveStatus={liveStatus}
        onExit={() => setWallboard(false)}
      />
    );
  }

  const isPolling = liveStatus.state === 'off' || liveStatus.state === 'down';
  return (
    <PluginPage pageNav={{ text: current ? `${current.reference} war room` : 'War room' }}>
      <div className={styles.page} data-testid={testIds.warRoom.container}>
        <Link to={prefixRoute(ROUTES.Incidents)} className={styles.back}>
          ← All incidents
        </Link>
        {incident.error && !current && (
          <ApiErrorAlert
            error={incident.error}
            title="Could not load the incident"
            testId={testIds.warRoom.pageError}
            onRetry={incident.reload}
          />
        )}
        {incident.isLoading && !current && <LoadingPlaceholder text="Loading the incident…" />}
        {current && (
          <>
            <IncidentHeader
              incident={current}
              services={incident.services}
              events={timeline.events}
              edit={edit}
              canEdit={canEdit}
              canAcknowledge={!paging.escalation}
              liveStatus={liveStatus}
              onWallboard={() => setWallboard(true)}
              onAcknowledged={incident.apply}
            />
            <LiveNotices status={liveStatus} />
            {/* Hidden while loading, so incidents that page nobody do not flash a loading panel. */}
            {(paging.escalation || paging.error || paging.hasNone) && (
              <PagingPanel
                paging={paging}
                incident={current}
                events={timeline.events}
                canEdit={canEdit}
                onAcknowledged={incident.apply}
              />
            )}
            {isPolling && (
              <Alert
                severity="info"
                title="Live updates unavailable: refreshing on a timer"
                data-testid={testIds.warRoom.polling}
              >
                This page refreshes itself every {POLL_INTERVAL_MS / 1000} s until the live link is back.{' '}
                <Button size="sm" variant="secondary" fill="text" icon="sync" onClick={refresh}>
                  Refresh now
                </Button>
              </Alert>
            )}
            <div className={styles.grid}>
              <div className={styles.column}>
                <EvidencePanel
                  correlations={correlations}
                  pinnedIds={pinnedIds}
                  canEdit={canEdit}
                  onPinned={timeline.add}
                />
                <HypothesesBoard hypotheses={hypotheses} canEdit={canEdit} />
              </div>
              <Timeline timeline={timeline} canEdit={canEdit} />
            </div>
          </>
        )}
      </div>
    </PluginPage>
  );
}

export default WarRoomPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  back: css({ color: theme.colors.text.link, alignSelf: 'flex-start' }),
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 3fr) minmax(0, 2fr)',
    gap: theme.spacing(3),
    alignItems: 'start',
    [theme.breakpoints.down('lg')]: { gridTemplateColumns: 'minmax(0, 1fr)' },
  }),
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(3), minWidth: 0 }),
});
