import React, { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, EmptyState, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { useNow } from '../Incidents/useNow';
import { DEFAULT_ALERT_VIEW, parseAlertView, serializeAlertView, type AlertView } from './alertFilters';
import { AlertsFilters } from './AlertsFilters';
import { AlertsTable } from './AlertsTable';
import { useAlertList } from './useAlertList';

/** Incoming alerts from Alertmanager and Grafana, newest first, with the incident each one opened or joined. */
export function AlertsPage() {
  const styles = useStyles2(getStyles);
  const [searchParams, setSearchParams] = useSearchParams();
  const view = parseAlertView(searchParams);
  const { state, reload, loadMore } = useAlertList(view);
  const now = useNow();
  const setView = useCallback(
    (next: AlertView) => setSearchParams((params) => serializeAlertView(next, params)),
    [setSearchParams]
  );
  const isFiltered = serializeAlertView(view).toString() !== '';

  let body: React.ReactNode;
  if (state.phase === 'loading') {
    body = <LoadingPlaceholder text="Loading alerts…" />;
  } else if (state.phase === 'error') {
    body = (
      <ApiErrorAlert
        error={state.error}
        title="Could not load alerts"
        testId={testIds.alerts.pageError}
        onRetry={reload}
      />
    );
  } else if (state.items.length === 0) {
    body = (
      <div data-testid={testIds.alerts.empty}>
        {isFiltered ? (
          <EmptyState
            variant="not-found"
            message="No alerts match these filters"
            button={
              <Button variant="secondary" icon="times" onClick={() => setView(DEFAULT_ALERT_VIEW)}>
                Clear filters
              </Button>
            }
          />
        ) : (
          <EmptyState variant="completed" message="No alerts received yet">
            Point Alertmanager or Grafana Alerting at the sidecar&apos;s intake (/api/integrations/alertmanager or
            /api/integrations/grafana) and alerts will appear here, grouped into incidents.
          </EmptyState>
        )}
      </div>
    );
  } else {
    body = (
      <>
        <AlertsTable alerts={state.items} now={now} />
        {state.loadMoreError && (
          <ApiErrorAlert error={state.loadMoreError} title="Could not load more alerts" onRetry={loadMore} />
        )}
        {state.nextCursor && (
          <div className={styles.more}>
            <Button
              variant="secondary"
              onClick={loadMore}
              disabled={state.isLoadingMore}
              icon={state.isLoadingMore ? 'spinner' : undefined}
              data-testid={testIds.alerts.loadMore}
            >
              Load older alerts
            </Button>
          </div>
        )}
      </>
    );
  }

  return (
    <PluginPage>
      <div className={styles.page} data-testid={testIds.alerts.container}>
        <AlertsFilters view={view} onChange={setView} />
        {body}
      </div>
    </PluginPage>
  );
}

export default AlertsPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  more: css({ display: 'flex', justifyContent: 'center' }),
});
