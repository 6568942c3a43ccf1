import React from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Badge, TextLink, useStyles2 } from '@grafana/ui';
import type { Alert } from '../../api/types';
import { testIds } from '../../components/testIds';
import { prefixRoute, ROUTES } from '../../constants';
import { formatAge, SEVERITY_COLORS, severityLabel, statusLabel } from '../Incidents/format';
import { listTableStyles } from '../../components/listTable';

// Labels everyone sets; the rest are summarised so a row stays one line.
const HIDDEN_LABELS = new Set(['alertname', 'severity', 'priority']);

interface Props {
  alerts: Alert[];
  now: number;
}

export function AlertsTable({ alerts, now }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table} data-testid={testIds.alerts.list}>
      <thead>
        <tr>
          <th scope="col">Alert</th>
          <th scope="col">Status</th>
          <th scope="col">Severity</th>
          <th scope="col">Incident</th>
          <th scope="col">Started</th>
          <th scope="col" title="Deliveries of this alert (retries and repeat notifications)">
            Count
          </th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => {
          const labels = Object.entries(alert.labels).filter(([k]) => !HIDDEN_LABELS.has(k));
          return (
            <tr
              key={alert.id}
              data-testid={testIds.alerts.row}
              data-alert-id={alert.id}
              data-alert-status={alert.status}
            >
              <td>
                <div className={styles.name}>
                  {alert.generatorUrl ? (
                    <TextLink href={alert.generatorUrl} external inline={false}>
                      {alert.alertname}
                    </TextLink>
                  ) : (
                    alert.alertname
                  )}
                </div>
                <div className={styles.secondary}>
                  {alert.annotations.summary ?? labels.map(([k, v]) => `${k}=${v}`).join(', ')}
                </div>
              </td>
              <td>
                <Badge
                  color={alert.status === 'firing' ? 'red' : 'green'}
                  icon={alert.status === 'firing' ? 'fire' : 'check'}
                  text={alert.status === 'firing' ? 'Firing' : 'Resolved'}
                />
                {alert.suppressedBy && <div className={styles.secondary}>Silenced</div>}
              </td>
              <td>
                <Badge color={SEVERITY_COLORS[alert.severity]} text={severityLabel(alert.severity)} />
              </td>
              <td>
                {alert.incident ? (
                  <>
                    <Link className={styles.link} to={prefixRoute(`${ROUTES.Incidents}/${alert.incident.id}`)}>
                      {alert.incident.reference}
                    </Link>
                    <div className={styles.secondary}>{statusLabel(alert.incident.status)}</div>
                  </>
                ) : (
                  <span className={styles.secondary}>None</span>
                )}
              </td>
              <td>
                <time dateTime={alert.startsAt} title={dateTimeFormat(alert.startsAt)}>
                  {formatAge(alert.startsAt, now)} ago
                </time>
              </td>
              <td>{alert.count}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css(listTableStyles(theme)),
  name: css({ fontWeight: theme.typography.fontWeightMedium }),
  secondary: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  link: css({ color: theme.colors.text.link, fontFamily: theme.typography.fontFamilyMonospace }),
});
