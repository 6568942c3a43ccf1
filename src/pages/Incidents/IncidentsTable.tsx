import React, { useEffect, useRef } from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import { useVirtualizer } from '@tanstack/react-virtual';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2, useTheme2 } from '@grafana/ui';
import type { Incident, IncidentStatus } from '../../api/types';
import { testIds } from '../../components/testIds';
import { warRoomUrl } from '../../constants';
import { needsAcknowledgement } from './acknowledgement';
import { formatAge, SEVERITY_COLORS, severityLabel } from './format';
import { StatusMenu } from './StatusMenu';
import { listTableStyles } from '../../components/listTable';

interface Props {
  incidents: Incident[];
  /** Current time in ms, so every row's age is computed against the same instant. */
  now: number;
  pendingId: string | null;
  onChangeStatus: (incident: Incident, to: IncidentStatus) => void;
  /** Called when the user scrolls near the last loaded row (load the next page). */
  onEndReached?: () => void;
}

// Rows rendered beyond the visible ones, so a fast scroll or a keyboard jump does not show blank space.
const OVERSCAN = 10;
// Ask for the next page while this many loaded rows are still below the window.
const END_REACHED_ROWS = 20;
// Rows are one fixed height (single-line cells): no measuring, so tens of thousands of rows cost nothing.
const ROW_HEIGHT_UNITS = 7;

/**
 * The incidents as a table that renders only the rows in view (plus a margin): spacer rows above and below stand
 * for the others, so the table keeps its semantics (header, rows, aria-rowcount) and the scroll bar its true length.
 */
export function IncidentsTable({ incidents, now, pendingId, onChangeStatus, onEndReached }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowHeight = theme.spacing.gridSize * ROW_HEIGHT_UNITS;
  // The table is not memoized: it renders again on every scroll, which is what the virtualizer expects.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: incidents.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: OVERSCAN,
    getItemKey: (index) => incidents[index]!.id,
  });
  const rows = virtualizer.getVirtualItems();
  const lastIndex = rows[rows.length - 1]?.index ?? -1;
  const paddingTop = rows[0]?.start ?? 0;
  const paddingBottom = rows.length ? virtualizer.getTotalSize() - rows[rows.length - 1]!.end : 0;

  useEffect(() => {
    if (onEndReached && lastIndex >= incidents.length - END_REACHED_ROWS) {
      onEndReached();
    }
  }, [lastIndex, incidents.length, onEndReached]);

  return (
    <div ref={scrollRef} className={styles.scroller} data-testid={testIds.incidents.scroller}>
      <table className={styles.table} data-testid={testIds.incidents.list} aria-rowcount={incidents.length + 1}>
        <colgroup>
          <col className={styles.colReference} />
          <col />
          <col className={styles.colSeverity} />
          <col className={styles.colStatus} />
          <col className={styles.colServices} />
          <col className={styles.colAge} />
        </colgroup>
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
          {paddingTop > 0 && <tr aria-hidden style={{ height: paddingTop }} />}
          {rows
            .map(({ index, key }) => [incidents[index]!, key, index] as const)
            .map(([incident, key, index]) => (
              <tr
                key={key}
                aria-rowindex={index + 2}
                className={styles.row}
                data-testid={testIds.incidents.row}
                data-incident-id={incident.id}
                data-incident-reference={incident.reference}
                data-incident-status={incident.status}
                data-acknowledged={String(incident.acknowledgedAt !== null)}
              >
                <td className={styles.reference}>{incident.reference}</td>
                <td className={styles.title}>
                  <Link to={warRoomUrl(incident.id)} className={styles.link}>
                    {incident.title}
                  </Link>
                  {incident.commander && <div className={styles.secondary}>Commander: {incident.commander}</div>}
                </td>
                <td>
                  <Badge color={SEVERITY_COLORS[incident.severity]} text={severityLabel(incident.severity)} />
                </td>
                <td>
                  <div className={styles.status}>
                    <StatusMenu incident={incident} isPending={pendingId === incident.id} onChange={onChangeStatus} />
                    {needsAcknowledgement(incident) && (
                      <span data-testid={testIds.incidents.unacknowledged}>
                        <Badge color="orange" icon="bell" text="Not acked" tooltip="Nobody has acknowledged it yet" />
                      </span>
                    )}
                  </div>
                </td>
                <td className={styles.services}>
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
          {paddingBottom > 0 && <tr aria-hidden style={{ height: paddingBottom }} />}
        </tbody>
      </table>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  scroller: css({
    // The list scrolls inside the page, so the toolbar and filters stay in view; short lists take only their height.
    maxHeight: '70vh',
    overflowY: 'auto',
    border: `thin solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  table: css({
    ...listTableStyles(theme),
    tableLayout: 'fixed',
    thead: {
      position: 'sticky',
      top: 0,
      zIndex: 1,
      background: theme.colors.background.secondary,
    },
    'tbody tr:hover': {
      background: theme.colors.action.hover,
    },
  }),
  row: css({
    height: theme.spacing(ROW_HEIGHT_UNITS),
  }),
  title: css({
    overflow: 'hidden',
    'a, div, span': { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  }),
  services: css({
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  status: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  colReference: css({ width: theme.spacing(13) }),
  colSeverity: css({ width: theme.spacing(12) }),
  colStatus: css({ width: theme.spacing(32) }),
  colServices: css({ width: '20%' }),
  colAge: css({ width: theme.spacing(9) }),
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
