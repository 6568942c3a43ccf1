import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { LoadingPlaceholder, useStyles2, useTheme2 } from '@grafana/ui';
import type { OnCallSegment, OnCallShift } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { formatUserTime } from '../../components/userTime';
import { barPosition, colorIndex, dayStarts, offsetPercent, type Range } from './timelineLayout';
import type { TimelineState } from './useScheduleTimeline';

const ids = testIds.onCall;
// Distinct hues first, so neighbours in a rotation differ; red is left for gaps.
const PALETTE = ['dark-blue', 'dark-green', 'dark-purple', 'dark-orange', 'dark-yellow', 'blue', 'green', 'purple'];

/** Bars narrower than this (about 13 hours of the two weeks) show initials. */
const NARROW_PERCENT = 4;
const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((word) => word[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();

type Bar = (OnCallShift | OnCallSegment) & { key: string };

interface Props {
  state: TimelineState;
  /** Each person's place in the people list: their colour, the same in every schedule. */
  personOrder: Map<string, number>;
  /** Clicking a layer's shift offers to cover it (absent: read only). */
  onCoverShift?: (shift: OnCallShift) => void;
}

const span = (start: string, end: string) =>
  `${formatUserTime(start, 'ddd D MMM HH:mm')} – ${formatUserTime(end, 'ddd D MMM HH:mm')}`;

/** Two weeks of a schedule: a row per layer with its shifts, the overrides, and the combined on-call with its gaps. */
export function ScheduleTimeline({ state, personOrder, onCoverShift }: Props) {
  const styles = useStyles2(getStyles);
  const { timeline, range, error } = state;
  if (error && !timeline) {
    return <ApiErrorAlert error={error} title="Could not load the schedule's timeline" testId={ids.timelineError} />;
  }
  if (!timeline) {
    return <LoadingPlaceholder text="Loading two weeks of shifts…" />;
  }
  const shown = { from: Date.parse(timeline.from), to: Date.parse(timeline.to) };
  const days = dayStarts(shown);
  return (
    <div className={styles.timeline} data-testid={ids.timeline}>
      <div className={styles.row}>
        <span className={styles.label} />
        <div className={styles.axis} aria-hidden>
          {days.map((day) => (
            <span key={day} className={styles.day} style={{ left: `${offsetPercent(day, shown)}%` }}>
              {formatUserTime(day, 'ddd D')}
            </span>
          ))}
        </div>
      </div>
      {timeline.layers.map((layer) => (
        <Row
          key={layer.layerId}
          kind="layer"
          name={layer.name}
          bars={layer.shifts.map((s) => ({ ...s, key: `${s.personId}-${s.start}` }))}
          range={shown}
          days={days}
          personOrder={personOrder}
          onBarClick={onCoverShift}
        />
      ))}
      <Row
        kind="overrides"
        name="Overrides"
        bars={timeline.overrides.map((o) => ({ ...o, key: o.overrideId }))}
        range={shown}
        days={days}
        personOrder={personOrder}
        emptyText="No overrides in these two weeks"
      />
      <Row
        kind="combined"
        name="On call"
        bars={timeline.segments.map((s) => ({ ...s, key: s.start }))}
        range={shown}
        days={days}
        personOrder={personOrder}
      />
      {error && <ApiErrorAlert error={error} title="Could not refresh the timeline" testId={ids.timelineError} />}
      <span className={styles.note}>
        From {formatUserTime(range.from, 'ddd D MMM HH:mm')}, in your time zone. Red: nobody is on call.
      </span>
    </div>
  );
}

interface RowProps {
  kind: 'layer' | 'overrides' | 'combined';
  name: string;
  bars: Bar[];
  range: Range;
  days: number[];
  personOrder: Map<string, number>;
  emptyText?: string;
  onBarClick?: (shift: OnCallShift) => void;
}

function Row({ kind, name, bars, range, days, personOrder, emptyText, onBarClick }: RowProps) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  return (
    <div className={styles.row} data-testid={ids.timelineRow} data-row={kind} data-row-name={name}>
      <span className={cx(styles.label, kind === 'combined' && styles.strong)} title={name}>
        {name}
      </span>
      <div className={cx(styles.track, kind === 'combined' && styles.combinedTrack)}>
        {days.map((day) => (
          <span key={day} className={styles.dayLine} style={{ left: `${offsetPercent(day, range)}%` }} />
        ))}
        {bars.length === 0 && emptyText && <span className={styles.empty}>{emptyText}</span>}
        {bars.map((bar) => {
          const { left, width } = barPosition(bar.start, bar.end, range);
          const isGap = bar.personId === null;
          const who = isGap ? 'Nobody on call' : (bar.personName ?? 'Unknown person');
          const order = isGap ? 0 : (personOrder.get(bar.personId!) ?? colorIndex(bar.personId!, PALETTE.length));
          const color = isGap ? undefined : theme.visualization.getColorByName(PALETTE[order % PALETTE.length]!);
          const style = {
            left: `${left}%`,
            width: `${width}%`,
            // 4.5: WCAG AA for the small text on the bar (Grafana's default threshold, 3, is for large text).
            ...(color && { background: color, color: theme.colors.getContrastText(color, 4.5) }),
          };
          const title = `${who} · ${span(bar.start, bar.end)}`;
          const common = {
            className: cx(styles.bar, isGap && styles.gap, kind === 'overrides' && styles.override),
            style,
            title,
            'data-testid': ids.bar,
            'data-person-id': bar.personId ?? '',
            'data-start': bar.start,
            'data-end': bar.end,
            'data-gap': String(isGap),
          };
          // A short shift has no room for a name: initials, with the whole name in the tooltip.
          const isNarrow = width < NARROW_PERCENT;
          // A short gap shows its hatching only: "Ga" would read as a name.
          const text = isGap ? (isNarrow ? '' : 'Gap') : isNarrow ? initials(who) : who;
          const label = <span className={cx(styles.barText, isNarrow && styles.narrowText)}>{text}</span>;
          return onBarClick && !isGap ? (
            <button
              key={bar.key}
              type="button"
              {...common}
              aria-label={`Cover ${who}'s shift, ${span(bar.start, bar.end)}`}
              onClick={() => onBarClick(bar as OnCallShift)}
            >
              {label}
            </button>
          ) : (
            <div key={bar.key} {...common}>
              {label}
            </div>
          );
        })}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  timeline: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  row: css({ display: 'flex', alignItems: 'stretch', gap: theme.spacing(1) }),
  label: css({
    flex: `0 0 ${theme.spacing(16)}`,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    alignSelf: 'center',
  }),
  strong: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  axis: css({ position: 'relative', flex: 1, height: theme.spacing(2.5) }),
  day: css({
    position: 'absolute',
    paddingLeft: theme.spacing(0.5),
    whiteSpace: 'nowrap',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    borderLeft: `1px solid ${theme.colors.border.medium}`,
  }),
  track: css({
    position: 'relative',
    flex: 1,
    height: theme.spacing(3.5),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
  }),
  combinedTrack: css({ height: theme.spacing(4.5), border: `1px solid ${theme.colors.border.medium}` }),
  dayLine: css({
    position: 'absolute',
    top: 0,
    bottom: 0,
    borderLeft: `1px solid ${theme.colors.border.weak}`,
  }),
  bar: css({
    position: 'absolute',
    top: 2,
    bottom: 2,
    display: 'flex',
    alignItems: 'center',
    padding: 0,
    border: 'none',
    borderLeft: `2px solid ${theme.colors.background.primary}`,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
    fontSize: theme.typography.bodySmall.fontSize,
    textAlign: 'left',
    'button&': { cursor: 'pointer', '&:hover': { filter: 'brightness(1.15)' } },
  }),
  barText: css({ padding: theme.spacing(0, 0.5), overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  // Initials fill a short bar: no side padding, centred, so two letters fit in about 20 px.
  narrowText: css({ padding: 0, width: '100%', textAlign: 'center', textOverflow: 'clip' }),
  override: css({ outline: `1px dashed ${theme.colors.text.primary}`, outlineOffset: -2 }),
  gap: css({
    background: `repeating-linear-gradient(135deg, ${theme.colors.error.transparent}, ${theme.colors.error.transparent} 6px, transparent 6px, transparent 12px)`,
    border: `1px solid ${theme.colors.error.border}`,
    color: theme.colors.error.text,
    fontWeight: theme.typography.fontWeightMedium,
  }),
  empty: css({
    position: 'absolute',
    inset: 0,
    display: 'flex',
    alignItems: 'center',
    paddingLeft: theme.spacing(1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  note: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
