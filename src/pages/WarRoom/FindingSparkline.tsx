import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { FindingData, SeriesPoint } from '../../api/types';
import { testIds } from '../../components/testIds';
import { formatValue } from './format';

interface Props {
  series: SeriesPoint[];
  unit: FindingData['unit'];
  label: string;
}

// The SVG's own coordinate space; it stretches to the card's width (preserveAspectRatio none).
const WIDTH = 400;
const HEIGHT = 48;

/**
 * The finding's signal over the baseline and incident windows. A plain SVG path rather than @grafana/ui's
 * Sparkline: uPlot needs a measured width and Grafana's field processing to colour the line, and drew nothing
 * outside a panel. Gaps (null values) break the line instead of being drawn as zero.
 */
export function FindingSparkline({ series, unit, label }: Props) {
  const styles = useStyles2(getStyles);
  const known = series.filter((p): p is { t: number; v: number } => p.v !== null);
  const description =
    known.length > 0
      ? `${label}: from ${formatValue(known[0].v, unit)} to ${formatValue(known[known.length - 1].v, unit)}, peak ${formatValue(Math.max(...known.map((p) => p.v)), unit)}`
      : `${label}: no values`;

  return (
    <div className={styles.box} role="img" aria-label={description} data-testid={testIds.evidence.sparkline}>
      {known.length > 1 && (
        <svg className={styles.svg} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" aria-hidden>
          <path className={styles.area} d={pathOf(series, known, true)} />
          <path className={styles.line} d={pathOf(series, known, false)} vectorEffect="non-scaling-stroke" />
        </svg>
      )}
    </div>
  );
}

/** The line (or the area under it) through the series, scaled to the SVG box; a null starts a new segment. */
function pathOf(series: SeriesPoint[], known: Array<{ t: number; v: number }>, isArea: boolean): string {
  const t0 = known[0].t;
  const t1 = known[known.length - 1].t;
  const min = Math.min(0, ...known.map((p) => p.v));
  const max = Math.max(...known.map((p) => p.v));
  const x = (t: number) => ((t - t0) / (t1 - t0 || 1)) * WIDTH;
  // A little headroom so the peak is not cut by the stroke.
  const y = (v: number) => HEIGHT - 2 - ((v - min) / (max - min || 1)) * (HEIGHT - 4);
  const segments: Array<Array<{ t: number; v: number }>> = [[]];
  for (const p of series) {
    if (p.v === null) {
      segments.push([]);
    } else {
      segments[segments.length - 1].push({ t: p.t, v: p.v });
    }
  }
  return segments
    .filter((s) => s.length > 0)
    .map((s) => {
      const line = s.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
      return isArea
        ? `${line} L${x(s[s.length - 1].t).toFixed(1)},${HEIGHT} L${x(s[0].t).toFixed(1)},${HEIGHT} Z`
        : line;
    })
    .join(' ');
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({ width: '100%', height: theme.spacing(6), marginBottom: theme.spacing(1) }),
  svg: css({ width: '100%', height: '100%', display: 'block' }),
  line: css({ fill: 'none', stroke: theme.colors.error.main, strokeWidth: 2 }),
  area: css({ fill: theme.colors.error.transparent, stroke: 'none' }),
});
