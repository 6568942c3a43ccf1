import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Checkbox, useStyles2 } from '@grafana/ui';

interface Props<T extends string> {
  legend: string;
  options: readonly T[];
  labelOf: (option: T) => string;
  value: readonly T[];
  /** The new selection, in the order of `options` (so URLs built from it stay stable). */
  onChange: (value: T[]) => void;
  'data-testid'?: string;
}

/** A labelled row of checkboxes for a multi-value filter: a fieldset, so screen readers name the group. */
export function CheckboxGroup<T extends string>({ legend, options, labelOf, value, onChange, ...rest }: Props<T>) {
  const styles = useStyles2(getStyles);
  const toggle = (option: T, isChecked: boolean) =>
    onChange(options.filter((o) => (o === option ? isChecked : value.includes(o))));
  return (
    <fieldset className={styles.group} data-testid={rest['data-testid']}>
      <legend className={styles.legend}>{legend}</legend>
      <div className={styles.checks}>
        {options.map((option) => (
          <Checkbox
            key={option}
            label={labelOf(option)}
            value={value.includes(option)}
            onChange={(e) => toggle(option, e.currentTarget.checked)}
          />
        ))}
      </div>
    </fieldset>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  group: css({ border: 'none', padding: 0, margin: 0 }),
  legend: css({
    // Above the checkboxes, like the labels of the fields next to it.
    padding: 0,
    marginBottom: theme.spacing(0.5),
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.primary,
  }),
  checks: css({
    display: 'flex',
    // Wrap whole checkboxes rather than squeeze their labels onto two lines (a long list in a narrow drawer).
    flexWrap: 'wrap',
    columnGap: theme.spacing(1.5),
    rowGap: theme.spacing(0.5),
    alignItems: 'center',
    minHeight: theme.spacing(theme.components.height.md),
  }),
});
