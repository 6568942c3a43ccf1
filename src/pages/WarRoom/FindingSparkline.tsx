import React, { useEffect, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { FieldType, type Field, type FieldSparkline, type GrafanaTheme2 } from '@grafana/data';
import { Sparkline, useStyles2, useTheme2 } from '@grafana/ui';
import type { FindingData, SeriesPoint } from '../../api/types';
import { testIds } from '../../components/testIds';
import { formatValue } from './format';

interface Props {
  series: SeriesPoint[];
  unit: FindingData['unit'];
  label: string;
}

/** The finding's signal over the baseline and incident windows, as a sparkline that fills its container's width. */
export function FindingSparkline({ series, unit, label }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const height = theme.spacing.gridSize * 6;

  useEffect(() => {
    const element = ref.current;
    if (!element) {
      return;
    }
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const sparkline = useMemo<FieldSparkline>(() => {
    const x: Field = { name: 'time', type: FieldType.time, config: {}, values: series.map((p) => p.t) };
    const known = series.map((p) => p.v).filter((v): v is number => v !== null);
    const min = Math.min(...known);
    const max = Math.max(...known);
    const y: Field = {
      name: label,
      type: FieldType.number,
      config: {
        color: { mode: 'fixed', fixedColor: theme.colors.error.main },
        custom: { fillOpacity: 15, lineWidth: 2 },
      },
      values: series.map((p) => p.v),
      // The Sparkline scales y by the field's computed range, as Grafana's panels fill it in.
      state: { range: { min, max, delta: max - min } },
    };
    return { x, y };
  }, [series, label, theme]);

  const values = series.map((p) => p.v).filter((v): v is number => v !== null);
  const description =
    values.length > 0
      ? `${label}: from ${formatValue(values[0], unit)} to ${formatValue(values[values.length - 1], unit)}, peak ${formatValue(Math.max(...values), unit)}`
      : `${label}: no values`;

  return (
    <div ref={ref} className={styles.box} role="img" aria-label={description} data-testid={testIds.evidence.sparkline}>
      {/* jsdom and a collapsed container have no width: uPlot needs one, so the chart waits for it. */}
      {width > 0 && <Sparkline width={width} height={height} theme={theme} sparkline={sparkline} />}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({ width: '100%', height: theme.spacing(6), overflow: 'hidden' }),
});
