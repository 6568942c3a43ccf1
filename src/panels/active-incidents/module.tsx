import { PanelPlugin } from '@grafana/data';
import { SEVERITIES } from '../../api/types';
import { severityLabel } from '../../pages/Incidents/format';
import { ActiveIncidentsPanel } from './ActiveIncidentsPanel';
import { DEFAULT_OPTIONS, type ActiveIncidentsOptions } from './options';

export const plugin = new PanelPlugin<ActiveIncidentsOptions>(ActiveIncidentsPanel).setPanelOptions((builder) =>
  builder
    .addRadio({
      path: 'minSeverity',
      name: 'Minimum severity',
      description: 'Show incidents at least this severe',
      defaultValue: DEFAULT_OPTIONS.minSeverity,
      settings: { options: SEVERITIES.map((s) => ({ value: s, label: severityLabel(s) })) },
    })
    .addNumberInput({
      path: 'maxRows',
      name: 'Maximum rows',
      description: 'The most severe, then the oldest, are kept',
      defaultValue: DEFAULT_OPTIONS.maxRows,
      settings: { min: 1, integer: true },
    })
    .addTextInput({
      path: 'service',
      name: 'Service',
      description: 'Only incidents impacting this catalog service (empty: every service)',
      defaultValue: DEFAULT_OPTIONS.service,
    })
);
