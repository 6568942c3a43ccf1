import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { RadioButtonGroup } from '@grafana/ui';
import { INCIDENT_STATUSES } from '../../api/types';
import { testIds } from '../../components/testIds';
import { statusLabel } from './format';
import type { StatusFilterValue } from './statusFilter';

const OPTIONS: Array<SelectableValue<StatusFilterValue>> = [
  { label: 'Active', value: 'active', description: 'Every incident that is not resolved' },
  { label: 'All', value: 'all' },
  ...INCIDENT_STATUSES.map((s) => ({ label: statusLabel(s), value: s })),
];

interface Props {
  value: StatusFilterValue;
  onChange: (value: StatusFilterValue) => void;
}

export function StatusFilter({ value, onChange }: Props) {
  return (
    <div data-testid={testIds.incidents.statusFilter}>
      <RadioButtonGroup<StatusFilterValue>
        aria-label="Filter incidents by status"
        options={OPTIONS}
        value={value}
        onChange={onChange}
        size="sm"
      />
    </div>
  );
}
