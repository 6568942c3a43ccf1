import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2, type SelectableValue } from '@grafana/data';
import { Button, Combobox, Field, Icon, Input, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { SEVERITIES, type IncidentSort } from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup/CheckboxGroup';
import { testIds } from '../../components/testIds';
import { DEFAULT_VIEW, viewKey, type IncidentView, type RangePreset, type TimeRange } from './filters';
import { severityLabel } from './format';
import { StatusFilter } from './StatusFilter';
import type { ServiceCatalog } from './useServiceCatalog';

const SORT_OPTIONS: Array<SelectableValue<IncidentSort>> = [
  { label: 'Newest', value: 'newest', description: 'Most recently started first' },
  { label: 'Oldest', value: 'oldest', description: 'Earliest started first' },
  { label: 'Severity', value: 'severity', description: 'Most severe first' },
  { label: 'Status', value: 'status', description: 'Open first, resolved last' },
  { label: 'Duration', value: 'duration', description: 'Ongoing and longest running first' },
];

type RangeValue = 'any' | RangePreset | 'custom';
const RANGE_OPTIONS: Array<SelectableValue<RangeValue>> = [
  { label: 'Any time', value: 'any' },
  { label: '1h', value: '1h', description: 'Started in the last hour' },
  { label: '6h', value: '6h', description: 'Started in the last 6 hours' },
  { label: '24h', value: '24h', description: 'Started in the last 24 hours' },
  { label: '7d', value: '7d', description: 'Started in the last 7 days' },
  { label: '30d', value: '30d', description: 'Started in the last 30 days' },
];

const ALL_SERVICES = '';
// Typing in the search box changes the URL (and the list) once the user pauses.
const SEARCH_DEBOUNCE_MS = 300;

const rangeValue = (range: TimeRange): RangeValue =>
  range.kind === 'any' ? 'any' : range.kind === 'preset' ? range.preset : 'custom';

function customLabel(range: TimeRange): string {
  if (range.kind !== 'absolute') {
    return 'Custom';
  }
  const from = range.from ? dateTimeFormat(range.from) : 'the start';
  return range.to ? `${from} – ${dateTimeFormat(range.to)}` : `Since ${from}`;
}

interface Props {
  view: IncidentView;
  catalog: ServiceCatalog;
  onChange: (view: IncidentView) => void;
}

/** Status, severity, service, time range, text and sort of the incidents list; every control is labelled. */
export function IncidentsFilters({ view, catalog, onChange }: Props) {
  const styles = useStyles2(getStyles);
  const [text, setText] = useState(view.q);
  const [shownQ, setShownQ] = useState(view.q);
  const set = (patch: Partial<IncidentView>) => onChange({ ...view, ...patch });

  // The URL is the source of truth: a shared link or Back changes `view.q`, and the box follows (adjusting state
  // while rendering, React's pattern for state derived from a changed prop).
  if (shownQ !== view.q) {
    setShownQ(view.q);
    setText(view.q);
  }
  useEffect(() => {
    if (text === view.q) {
      return;
    }
    const timer = setTimeout(() => onChange({ ...view, q: text }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, view, onChange]);

  const serviceOptions = [
    { label: 'All services', value: ALL_SERVICES },
    ...(catalog.phase === 'ready' ? catalog.services.map((s) => ({ label: s.name, value: s.name })) : []),
  ];
  // A shared link may name a service this catalog does not hold (renamed, or still loading): keep it selectable.
  if (view.service && !serviceOptions.some((o) => o.value === view.service)) {
    serviceOptions.push({ label: view.service, value: view.service });
  }
  const rangeOptions =
    view.range.kind === 'absolute'
      ? [...RANGE_OPTIONS, { label: customLabel(view.range), value: 'custom' as const }]
      : RANGE_OPTIONS;
  const isFiltered = viewKey({ ...view, sort: DEFAULT_VIEW.sort }) !== viewKey({ ...DEFAULT_VIEW });

  return (
    <div className={styles.filters} data-testid={testIds.incidents.filters}>
      <Field label="Status" className={styles.field}>
        <StatusFilter value={view.status} onChange={(status) => set({ status })} />
      </Field>
      <CheckboxGroup
        legend="Severity"
        options={SEVERITIES}
        labelOf={severityLabel}
        value={view.severity}
        onChange={(severity) => set({ severity })}
        data-testid={testIds.incidents.severityFilter}
      />
      <Field label="Service" htmlFor="incidents-service" className={styles.field}>
        <Combobox<string>
          id="incidents-service"
          data-testid={testIds.incidents.serviceFilter}
          width={24}
          options={serviceOptions}
          value={view.service}
          loading={catalog.phase === 'loading'}
          onChange={(option) => set({ service: option.value })}
        />
      </Field>
      <Field label="Started" className={styles.field}>
        <div data-testid={testIds.incidents.rangeFilter}>
          <RadioButtonGroup<RangeValue>
            aria-label="Started within"
            size="sm"
            options={rangeOptions}
            value={rangeValue(view.range)}
            onChange={(value) =>
              value !== 'custom' &&
              set({ range: value === 'any' ? { kind: 'any' } : { kind: 'preset', preset: value } })
            }
          />
        </div>
      </Field>
      <Field label="Search" htmlFor="incidents-search" className={styles.field}>
        <Input
          id="incidents-search"
          data-testid={testIds.incidents.search}
          width={28}
          prefix={<Icon name="search" />}
          placeholder="Title or description"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && onChange({ ...view, q: text })}
        />
      </Field>
      <Field label="Sort by" className={styles.field}>
        <div data-testid={testIds.incidents.sort}>
          <RadioButtonGroup<IncidentSort>
            aria-label="Sort incidents by"
            size="sm"
            options={SORT_OPTIONS}
            value={view.sort}
            onChange={(sort) => set({ sort })}
          />
        </div>
      </Field>
      {isFiltered && (
        <Button
          className={styles.clear}
          variant="secondary"
          fill="text"
          icon="times"
          data-testid={testIds.incidents.clearFilters}
          onClick={() => onChange({ ...DEFAULT_VIEW, sort: view.sort })}
        >
          Clear filters
        </Button>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({
    flex: 1,
    minWidth: 0,
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-start',
    gap: theme.spacing(1, 2),
  }),
  field: css({
    marginBottom: 0,
  }),
  clear: css({
    alignSelf: 'center',
  }),
});
