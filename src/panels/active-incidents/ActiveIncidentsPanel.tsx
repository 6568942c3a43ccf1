import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { Alert, Badge, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { listActiveIncidents } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { ActiveIncidentsPage } from '../../api/types';
import { testIds } from '../../components/testIds';
import { prefixRoute, ROUTES } from '../../constants';
import { formatAge, SEVERITY_COLORS, severityLabel, statusLabel } from '../../pages/Incidents/format';
import { activeQuery, withDefaults, type ActiveIncidentsOptions } from './options';

// A wallboard keeps the panel open for hours: refresh even when the dashboard does not.
const REFRESH_MS = 30_000;

type State =
  | { phase: 'loading' }
  | { phase: 'ready'; page: ActiveIncidentsPage; at: number }
  | { phase: 'error'; error: ApiError };

/** The active incidents, most severe first, each with its age and a link to its war room. */
export function ActiveIncidentsPanel({ options, width, height, timeRange }: PanelProps<ActiveIncidentsOptions>) {
  const styles = useStyles2(getStyles);
  const [state, setState] = useState<State>({ phase: 'loading' });
  // A dashboard refresh gives the panel a new time range: fetch then too.
  const refreshKey = timeRange?.to?.valueOf();
  const { minSeverity, maxRows, service } = withDefaults(options);

  useEffect(() => {
    const controller = new AbortController();
    // Only the rows shown are fetched, with the count of the others, however many incidents are active.
    const query = activeQuery({ minSeverity, maxRows, service });
    const load = () =>
      listActiveIncidents(query, { signal: controller.signal }).then(
        (page) => !controller.signal.aborted && setState({ phase: 'ready', page, at: Date.now() }),
        (e: unknown) => !controller.signal.aborted && setState({ phase: 'error', error: toApiError(e) })
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [refreshKey, minSeverity, maxRows, service]);

  const box = { width, height };
  if (state.phase === 'loading') {
    return <LoadingPlaceholder text="Loading incidents…" />;
  }
  if (state.phase === 'error') {
    return (
      <div style={box} className={styles.box} data-testid={testIds.panel.error}>
        <Alert severity="error" title="Could not load incidents">
          {state.error.message}
        </Alert>
      </div>
    );
  }
  const shown = state.page.items;
  const hidden = state.page.total - shown.length;
  return (
    <div style={box} className={styles.box} data-testid={testIds.panel.container}>
      {shown.length === 0 ? (
        <div className={styles.empty} data-testid={testIds.panel.empty}>
          No active incidents
        </div>
      ) : (
        <table className={styles.table}>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Incident</th>
              <th scope="col">Status</th>
              <th scope="col">Age</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((incident) => (
              <tr key={incident.id} data-testid={testIds.panel.row} data-incident-reference={incident.reference}>
                <td>
                  <Badge color={SEVERITY_COLORS[incident.severity]} text={severityLabel(incident.severity)} />
                </td>
                <td className={styles.title}>
                  <a className={styles.link} href={prefixRoute(`${ROUTES.Incidents}/${incident.id}`)}>
                    {incident.reference}
                  </a>{' '}
                  {incident.title}
                </td>
                <td>{statusLabel(incident.status)}</td>
                <td>
                  <time dateTime={incident.startedAt}>{formatAge(incident.startedAt, state.at)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hidden > 0 && (
        <div className={styles.more}>
          and {hidden}
          {state.page.isTotalExact ? '' : '+'} more
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({ overflow: 'auto' }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': {
      padding: theme.spacing(0.5, 1),
      borderBottom: `thin solid ${theme.colors.border.weak}`,
      textAlign: 'left',
    },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  title: css({ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', maxWidth: 0, width: '100%' }),
  link: css({ color: theme.colors.text.link, fontFamily: theme.typography.fontFamilyMonospace }),
  empty: css({
    display: 'flex',
    height: '100%',
    alignItems: 'center',
    justifyContent: 'center',
    color: theme.colors.success.text,
    fontSize: theme.typography.h4.fontSize,
  }),
  more: css({ color: theme.colors.text.secondary, padding: theme.spacing(0.5, 1) }),
});
