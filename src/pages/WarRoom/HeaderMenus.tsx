import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Dropdown, Icon, Menu, useStyles2 } from '@grafana/ui';
import { nextStatuses } from '../../../contract/incidents';
import { SEVERITIES, type Incident, type IncidentStatus, type Severity } from '../../api/types';
import { testIds } from '../../components/testIds';
import { severityLabel, statusLabel } from '../Incidents/format';

interface StatusProps {
  incident: Incident;
  isPending: boolean;
  onChange: (to: IncidentStatus) => void;
}

/** The incident's status; the menu offers only the moves the sidecar's lifecycle allows (as on the incident list). */
export function StatusControl({ incident, isPending, onChange }: StatusProps) {
  const styles = useStyles2(getStyles);
  const menu = (
    <Menu>
      {nextStatuses(incident.status).map((to) => (
        <Menu.Item
          key={to}
          label={incident.status === 'resolved' ? `Reopen as ${statusLabel(to)}` : statusLabel(to)}
          icon={to === 'resolved' ? 'check' : undefined}
          onClick={() => onChange(to)}
        />
      ))}
    </Menu>
  );
  return (
    <Dropdown overlay={menu} placement="bottom-start">
      <Button
        size="sm"
        variant="secondary"
        disabled={isPending}
        icon={isPending ? 'spinner' : undefined}
        aria-label={`Status: ${statusLabel(incident.status)}. Change status`}
        data-testid={testIds.warRoom.status}
        data-status={incident.status}
      >
        {statusLabel(incident.status)}
        <Icon name="angle-down" className={styles.caret} />
      </Button>
    </Dropdown>
  );
}

interface SeverityProps {
  severity: Severity;
  isPending: boolean;
  onChange: (to: Severity) => void;
}

/** The incident's severity; the menu offers the other three. */
export function SeverityControl({ severity, isPending, onChange }: SeverityProps) {
  const styles = useStyles2(getStyles);
  const menu = (
    <Menu>
      {SEVERITIES.filter((s) => s !== severity).map((s) => (
        <Menu.Item key={s} label={severityLabel(s)} onClick={() => onChange(s)} />
      ))}
    </Menu>
  );
  return (
    <Dropdown overlay={menu} placement="bottom-start">
      <Button
        size="sm"
        variant={severity === 'critical' ? 'destructive' : 'secondary'}
        disabled={isPending}
        icon={isPending ? 'spinner' : 'fire'}
        aria-label={`Severity: ${severityLabel(severity)}. Change severity`}
        data-testid={testIds.warRoom.severity}
        data-severity={severity}
      >
        {severityLabel(severity)}
        <Icon name="angle-down" className={styles.caret} />
      </Button>
    </Dropdown>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  caret: css({ marginLeft: theme.spacing(0.5) }),
});
