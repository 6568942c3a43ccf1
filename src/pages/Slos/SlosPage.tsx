import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, EmptyState, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { SloCard } from './SloCard';
import { byBudgetLeft } from './sloFormat';
import { useSloStatuses, type SloStatusState } from './useSloStatuses';

/** Why no SLO has live figures, when that is the same for all of them (Prometheus missing or down). */
function sharedOutage(statuses: SloStatusState[]): { title: string; body: string } | null {
  const errors = statuses.flatMap((s) => (s.phase === 'error' ? [s.error] : []));
  if (errors.length === 0 || errors.length !== statuses.length) {
    return null;
  }
  const [first] = errors;
  if (errors.every((e) => e.details?.reason === 'not_configured')) {
    return {
      title: 'Live SLO figures are unavailable: no Prometheus is configured',
      body: 'The sidecar has no PROMETHEUS_URL, so SLIs, error budgets and burn rates cannot be computed. The SLOs are listed with their objectives; set PROMETHEUS_URL on the sidecar to see how they are doing.',
    };
  }
  return {
    title: 'Live SLO figures are unavailable',
    body: `Prometheus did not answer (${first!.message}). The SLOs are listed with their objectives; figures return when it does.`,
  };
}

/** Every SLO, the least error budget left first, with its live figures from Prometheus when it answers. */
export function SlosPage() {
  const styles = useStyles2(getStyles);
  const { state, reload } = useSloStatuses();

  let body: React.ReactNode;
  if (state.phase === 'loading') {
    body = <LoadingPlaceholder text="Loading SLOs…" />;
  } else if (state.phase === 'error') {
    body = (
      <ApiErrorAlert
        error={state.error}
        title="Could not load the SLOs"
        testId={testIds.slos.pageError}
        onRetry={reload}
      />
    );
  } else if (state.slos.length === 0) {
    body = (
      <EmptyState variant="call-to-action" message="No SLOs yet">
        Define SLOs for catalog services through the sidecar&apos;s API (POST /api/slos): each one gets its error
        budget, burn rates and Prometheus alert rules.
      </EmptyState>
    );
  } else {
    const rows = state.slos
      .map((slo) => {
        const status = state.statuses[slo.id] ?? { phase: 'loading' as const };
        return { slo, name: slo.name, state: status, status: status.phase === 'ready' ? status.status : undefined };
      })
      .sort(byBudgetLeft);
    const outage = sharedOutage(rows.map((r) => r.state));
    body = (
      <>
        {outage && (
          <Alert severity="warning" title={outage.title} data-testid={testIds.slos.unavailable}>
            {outage.body}
          </Alert>
        )}
        <div className={styles.list} data-testid={testIds.slos.list}>
          {rows.map((r) => (
            <SloCard key={r.slo.id} slo={r.slo} status={r.state} />
          ))}
        </div>
      </>
    );
  }

  return (
    <PluginPage>
      <div className={styles.page} data-testid={testIds.slos.container}>
        {body}
      </div>
    </PluginPage>
  );
}

export default SlosPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  list: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
});
