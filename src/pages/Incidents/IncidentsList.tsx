import React, { useCallback, useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, EmptyState, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { Incident, IncidentStatus } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { unacknowledgedFirst } from './acknowledgement';
import { statusLabel } from './format';
import { IncidentsTable } from './IncidentsTable';
import type { IncidentView } from './filters';
import type { IncidentList } from './useIncidentList';
import { useNow } from './useNow';

interface Props {
  list: IncidentList;
  view: IncidentView;
  /** Back to the default view (shown when filters leave the list empty). */
  onClearFilters: () => void;
  pendingId: string | null;
  onChangeStatus: (incident: Incident, to: IncidentStatus) => void;
  onDeclare: () => void;
}

/** The list's body for each state: loading, error (with retry), empty (with a way forward), or the table. */
export function IncidentsList({ list, view, onClearFilters, pendingId, onChangeStatus, onDeclare }: Props) {
  const styles = useStyles2(getStyles);
  const now = useNow();
  const { state, loadMore } = list;
  const canLoadMore =
    state.phase === 'ready' && Boolean(state.nextCursor) && !state.isLoadingMore && !state.loadMoreError;
  // Scrolling near the end fetches the next page; after a failure only Retry does (no request loop).
  const onEndReached = useCallback(() => canLoadMore && loadMore(), [canLoadMore, loadMore]);
  const filter = view.status;
  const items = useMemo(
    () => (state.phase === 'ready' ? unacknowledgedFirst(state.items, filter) : []),
    [state, filter]
  );
  const hasOtherFilters =
    view.severity.length > 0 || view.service !== '' || view.q.trim() !== '' || view.range.kind !== 'any';

  if (state.phase === 'loading') {
    return <LoadingPlaceholder text="Loading incidents…" />;
  }

  if (state.phase === 'error') {
    return (
      <ApiErrorAlert
        error={state.error}
        title="Could not load incidents"
        testId={testIds.incidents.pageError}
        onRetry={list.reload}
      />
    );
  }

  if (state.items.length === 0) {
    return (
      <div data-testid={testIds.incidents.empty}>
        {hasOtherFilters ? (
          <EmptyState
            variant="not-found"
            message="No incidents match these filters"
            button={
              <Button variant="secondary" icon="times" onClick={onClearFilters}>
                Clear filters
              </Button>
            }
          >
            Widen the time range, pick other severities or services, or search for other words.
          </EmptyState>
        ) : filter === 'active' || filter === 'all' ? (
          <EmptyState
            variant="call-to-action"
            message={filter === 'active' ? 'No active incidents' : 'No incidents yet'}
            button={
              <Button icon="fire" onClick={onDeclare}>
                Declare incident
              </Button>
            }
          >
            When something breaks, declare an incident: it gets a reference, a timeline and a place to coordinate the
            response. Alerts from Alertmanager and Grafana will open incidents here too.
          </EmptyState>
        ) : (
          <EmptyState variant="not-found" message={`No ${statusLabel(filter).toLowerCase()} incidents`}>
            Pick another status above, or All to see every incident.
          </EmptyState>
        )}
      </div>
    );
  }

  return (
    <>
      <IncidentsTable
        incidents={items}
        now={now}
        pendingId={pendingId}
        onChangeStatus={onChangeStatus}
        onEndReached={onEndReached}
      />
      {state.loadMoreError && (
        <ApiErrorAlert error={state.loadMoreError} title="Could not load more incidents" onRetry={list.loadMore} />
      )}
      {state.nextCursor && (
        <div className={styles.more}>
          <Button
            variant="secondary"
            onClick={list.loadMore}
            disabled={state.isLoadingMore}
            icon={state.isLoadingMore ? 'spinner' : undefined}
            data-testid={testIds.incidents.loadMore}
          >
            {state.isLoadingMore ? 'Loading more incidents…' : 'Load more incidents'}
          </Button>
        </div>
      )}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  more: css({
    display: 'flex',
    justifyContent: 'center',
    marginTop: theme.spacing(2),
  }),
});
