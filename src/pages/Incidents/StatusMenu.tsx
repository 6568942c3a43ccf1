import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Dropdown, Icon, Menu, useStyles2 } from '@grafana/ui';
import { nextStatuses } from '../../../contract/incidents';
import type { Incident, IncidentStatus } from '../../api/types';
import { testIds } from '../../components/testIds';
import { statusLabel } from './format';

interface Props {
  incident: Incident;
  isPending: boolean;
  onChange: (incident: Incident, to: IncidentStatus) => void;
}

/** Shows the incident's status; opens a menu with only the moves the sidecar's lifecycle allows. */
export function StatusMenu({ incident, isPending, onChange }: Props) {
  const styles = useStyles2(getStyles);
  const current = statusLabel(incident.status);
  const menu = (
    <Menu>
      {nextStatuses(incident.status).map((to) => (
        <Menu.Item
          key={to}
          label={incident.status === 'resolved' ? `Reopen as ${statusLabel(to)}` : statusLabel(to)}
          icon={to === 'resolved' ? 'check' : undefined}
          onClick={() => onChange(incident, to)}
        />
      ))}
    </Menu>
  );
  return (
    <Dropdown overlay={menu} placement="bottom-start">
      <Button
        size="sm"
        variant="secondary"
        fill="outline"
        disabled={isPending}
        icon={isPending ? 'spinner' : undefined}
        aria-label={`Change status of ${incident.reference} (now ${current})`}
        data-testid={testIds.incidents.rowStatusSelect}
      >
        {current}
        <Icon name="angle-down" className={styles.caret} />
      </Button>
    </Dropdown>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  caret: css({ marginLeft: theme.spacing(0.5) }),
});
