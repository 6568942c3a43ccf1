import React from 'react';
import { config, DataSourcePicker } from '@grafana/runtime';
import { Field, Input } from '@grafana/ui';

interface Props {
  /** Datasource plugin type: prometheus, loki, tempo. */
  type: string;
  label: string;
  description: string;
  value: string;
  testId: string;
  onChange: (uid: string) => void;
}

/** Datasources of this type Grafana knows (bootData); empty outside Grafana or when none is set up. */
export function datasourcesOfType(type: string) {
  return Object.values(config.datasources ?? {}).filter((ds) => ds.type === type);
}

/**
 * A datasource uid: picked from Grafana's datasources of the type when there are any, typed in otherwise (a
 * Grafana without such a datasource yet, or a page outside Grafana). A saved uid Grafana does not know is shown
 * in the text box, so it is never silently dropped.
 */
export function DatasourceUidField({ type, label, description, value, testId, onChange }: Props) {
  const id = `config-${type}-uid`;
  const known = datasourcesOfType(type);
  const canPick = known.length > 0 && (value === '' || known.some((ds) => ds.uid === value));
  return (
    <Field label={label} description={description} htmlFor={id}>
      <div data-testid={testId} data-mode={canPick ? 'picker' : 'text'}>
        {canPick ? (
          <DataSourcePicker
            inputId={id}
            type={type}
            current={value || null}
            noDefault
            width={60}
            placeholder={`Pick a ${label} datasource`}
            onChange={(ds) => onChange(ds.uid)}
            onClear={() => onChange('')}
          />
        ) : (
          <Input
            id={id}
            width={60}
            value={value}
            placeholder={`Datasource uid, e.g. ${type}`}
            onChange={(e) => onChange(e.currentTarget.value)}
          />
        )}
      </div>
    </Field>
  );
}
