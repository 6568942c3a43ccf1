import React from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import type { Incident, IncidentStatus } from '../../api/types';
import { testIds } from '../../components/testIds';
import { warRoomUrl } from '../../constants';
import { formatAge, SEVERITY_COLORS, severityLabel } from './format';
import { StatusMenu } from './StatusMenu';

interface Props {
  incidents: Incident[];
  /** Current time in ms, so every row's age is computed against the same instant. */
  now: number;
  pendingId: string | null;
  onChangeStatus: (incident: Incident, to: IncidentStatus) => void;
}

export function IncidentsTable({ incidents, now, pendingId, onChangeStatus }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table} data-testid={testIds.incidents.list}>
      <thead>
        <tr>
          <th scope="col">Reference</th>
          <th scope="col">Title</th>
          <th scope="col">Severity</th>
          <th scope="col">Status</th>
          <th scope="col">Services</th>
          <th scope="col" title="Time since the incident started">
            Age
          </th>
        </tr>
      </thead>
      <tbody>
        {incidents.map((incident) => (
          <tr
            key={incident.id}
            data-testid={testIds.incidents.row}
            data-incident-id={incident.id}
            data-incident-reference={incident.reference}
            data-incident-status={incident.status}
          >
            <td className={styles.reference}>{incident.reference}</td>
            <td>
              <Link to={warRoomUrl(incident.id)} className={styles.link}>
                {incident.title}
              </Link>
              {incident.commander && <div className={styles.secondary}>Commander: {incident.commander}</div>}
            </td>
            <td>
              <Badge color={SEVERITY_COLORS[incident.severity]} text={severityLabel(incident.severity)} />
            </td>
            <td>
              <StatusMenu incident={incident} isPending={pendingId === incident.id} onChange={onChangeStatus} />
            </td>
            <td>
              {incident.services.length > 0 ? (
                incident.services.map((s) => s.name).join(', ')
              ) : (
                <span className={styles.secondary}>None</span>
              )}
            </td>
            <td>
              <time dateTime={incident.startedAt} title={`Started ${dateTimeFormat(incident.startedAt)}`}>
                {formatAge(incident.startedAt, now)}
              </time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': {
      padding: theme.spacing(1, 1.5),
      borderBottom: `thin solid ${theme.colors.border.weak}`,
      textAlign: 'left',
      verticalAlign: 'middle',
    },
    th: {
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
    },
    'tbody tr:hover': {
      background: theme.colors.action.hover,
    },
  }),
  reference: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    whiteSpace: 'nowrap',
  }),
  link: css({
    display: 'block',
    color: theme.colors.text.link,
    '&:hover': { textDecoration: 'underline' },
  }),
  secondary: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
