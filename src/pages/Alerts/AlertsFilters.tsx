import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { Field, Input, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { ALERT_SOURCES, SEVERITIES, type AlertStatus } from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup/CheckboxGroup';
import { testIds } from '../../components/testIds';
import { severityLabel } from '../Incidents/format';
import type { AlertView } from './alertFilters';

type StatusValue = 'all' | AlertStatus;
const STATUS_OPTIONS: Array<SelectableValue<StatusValue>> = [
  { label: 'All', value: 'all' },
  { label: 'Firing', value: 'firing' },
  { label: 'Resolved', value: 'resolved' },
];
const INCIDENT_OPTIONS: Array<SelectableValue<AlertView['incident']>> = [
  { label: 'Any', value: 'any' },
  { label: 'With incident', value: 'with' },
  { label: 'Without', value: 'without' },
];
const SOURCE_LABELS: Record<(typeof ALERT_SOURCES)[number], string> = {
  alertmanager: 'Alertmanager',
  grafana: 'Grafana',
};

interface Props {
  view: AlertView;
  onChange: (view: AlertView) => void;
}

/** Status, severity, source, incident and alert name filters of the alerts page; every control is labelled. */
export function AlertsFilters({ view, onChange }: Props) {
  const styles = useStyles2(getStyles);
  const [name, setName] = useState(view.alertname);
  const [shownName, setShownName] = useState(view.alertname);
  // A shared link or Back changes the URL: the box follows it.
  if (shownName !== view.alertname) {
    setShownName(view.alertname);
    setName(view.alertname);
  }
  const set = (patch: Partial<AlertView>) => onChange({ ...view, ...patch });
  const ids = testIds.alerts;

  return (
    <div className={styles.filters}>
      <Field label="Status" className={styles.field}>
        <div data-testid={ids.statusFilter}>
          <RadioButtonGroup<StatusValue>
            aria-label="Alert status"
            size="sm"
            options={STATUS_OPTIONS}
            value={view.status.length === 1 ? view.status[0] : 'all'}
            onChange={(v) => set({ status: v === 'all' ? [] : [v] })}
          />
        </div>
      </Field>
      <CheckboxGroup
        legend="Severity"
        options={SEVERITIES}
        labelOf={severityLabel}
        value={view.severity}
        onChange={(severity) => set({ severity })}
        data-testid={ids.severityFilter}
      />
      <CheckboxGroup
        legend="Source"
        options={ALERT_SOURCES}
        labelOf={(s) => SOURCE_LABELS[s]}
        value={view.source}
        onChange={(source) => set({ source })}
        data-testid={ids.sourceFilter}
      />
      <Field label="Incident" className={styles.field}>
        <div data-testid={ids.incidentFilter}>
          <RadioButtonGroup<AlertView['incident']>
            aria-label="Alerts with or without an incident"
            size="sm"
            options={INCIDENT_OPTIONS}
            value={view.incident}
            onChange={(incident) => set({ incident })}
          />
        </div>
      </Field>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          set({ alertname: name.trim() });
        }}
      >
        <Field
          label="Alert name"
          htmlFor="alerts-alertname"
          description="Exact name; Enter to apply"
          className={styles.field}
        >
          <Input
            id="alerts-alertname"
            data-testid={ids.alertname}
            width={28}
            value={name}
            placeholder="e.g. HighErrorRate"
            onChange={(e) => setName(e.currentTarget.value)}
            onBlur={() => name.trim() !== view.alertname && set({ alertname: name.trim() })}
          />
        </Field>
      </form>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-start', gap: theme.spacing(1, 2) }),
  field: css({ marginBottom: 0 }),
});
