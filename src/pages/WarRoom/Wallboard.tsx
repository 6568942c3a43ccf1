import React, { useEffect } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import type { LiveStatus } from '../../api/live';
import type { Finding, Incident, TimelineEvent } from '../../api/types';
import { testIds } from '../../components/testIds';
import { SEVERITY_COLORS, severityLabel, statusLabel } from '../Incidents/format';
import { useNow } from '../Incidents/useNow';
import { formatDuration, formatScore, formatTime, incidentDurationMs, SOURCE_LABELS } from './format';

interface Props {
  incident: Incident;
  events: TimelineEvent[];
  findings: Finding[];
  liveStatus: LiveStatus;
  onExit: () => void;
}

// Enough to read from across the room and still leave the footer on a 720p screen.
const LATEST = 6;
const TOP = 5;

const LIVE_TEXT: Record<LiveStatus['state'], string> = {
  connecting: 'connecting',
  live: 'live',
  reconnecting: 'reconnecting',
  down: 'live link down: refreshing every 15 s',
  off: 'refreshing every 15 s',
};

/**
 * The war room for a screen on the wall: what is burning, for how long, what happened last and the strongest
 * evidence, readable from across the room. Nothing to click but the way out (Escape).
 */
export function Wallboard({ incident, events, findings, liveStatus, onExit }: Props) {
  const styles = useStyles2(getStyles);
  const now = useNow(1000);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onExit();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onExit]);

  const latest = [...events].reverse().slice(0, LATEST);
  const top = [...findings].sort((a, b) => a.rank - b.rank).slice(0, TOP);
  return (
    <main
      className={styles.board}
      data-testid={testIds.wallboard.container}
      aria-label={`Wallboard: ${incident.reference}`}
    >
      <header className={styles.header}>
        <div>
          <div className={styles.reference}>{incident.reference}</div>
          <h1 className={styles.title}>{incident.title}</h1>
        </div>
        <div className={styles.facts}>
          <Badge
            color={SEVERITY_COLORS[incident.severity]}
            text={severityLabel(incident.severity)}
            className={styles.badge}
          />
          <span className={styles.status}>{statusLabel(incident.status)}</span>
          <time className={styles.duration} dateTime={incident.startedAt}>
            {formatDuration(incidentDurationMs(incident.startedAt, incident.resolvedAt, now))}
          </time>
        </div>
      </header>
      <div className={styles.columns}>
        <section aria-labelledby="wallboard-latest">
          <h2 id="wallboard-latest" className={styles.sectionTitle}>
            Latest
          </h2>
          <ol className={styles.list}>
            {latest.map((e) => (
              <li key={e.id}>
                <time className={styles.time}>{formatTime(e.occurredAt, now)}</time> {e.message}
              </li>
            ))}
          </ol>
        </section>
        <section aria-labelledby="wallboard-findings">
          <h2 id="wallboard-findings" className={styles.sectionTitle}>
            Top findings
          </h2>
          {top.length === 0 ? (
            <p className={styles.muted}>No findings yet.</p>
          ) : (
            <ol className={styles.list}>
              {top.map((f) => (
                <li key={f.id}>
                  <span className={styles.score}>{formatScore(f.score)}</span> {SOURCE_LABELS[f.source] ?? f.source}:{' '}
                  {f.summary}
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
      <footer className={styles.footer}>
        <span>Commander: {incident.commander ?? 'unassigned'}</span>
        <span>Updates: {LIVE_TEXT[liveStatus.state]}</span>
        <button type="button" className={styles.exit} onClick={onExit} data-testid={testIds.wallboard.exit}>
          Exit wallboard (Esc)
        </button>
      </footer>
    </main>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  board: css({
    position: 'fixed',
    inset: 0,
    zIndex: theme.zIndex.modal,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(4),
    padding: theme.spacing(4, 6),
    background: theme.colors.background.canvas,
    color: theme.colors.text.primary,
    fontSize: theme.typography.h3.fontSize,
    overflow: 'auto',
  }),
  header: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: theme.spacing(4) }),
  reference: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.secondary }),
  title: css({ margin: 0, fontSize: `calc(${theme.typography.h1.fontSize} * 1.5)`, lineHeight: 1.2 }),
  facts: css({ display: 'flex', flexDirection: 'column', alignItems: 'flex-end', gap: theme.spacing(1) }),
  badge: css({ fontSize: theme.typography.h3.fontSize, padding: theme.spacing(1, 2) }),
  status: css({ fontSize: theme.typography.h2.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  duration: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: `calc(${theme.typography.h1.fontSize} * 2)`,
    lineHeight: 1,
  }),
  columns: css({ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: theme.spacing(6), flexGrow: 1 }),
  sectionTitle: css({ fontSize: theme.typography.h2.fontSize, color: theme.colors.text.secondary }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1.5),
    li: { overflowWrap: 'anywhere' },
  }),
  time: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.secondary }),
  score: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.warning.text }),
  muted: css({ color: theme.colors.text.secondary }),
  footer: css({
    display: 'flex',
    gap: theme.spacing(4),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.body.fontSize,
  }),
  exit: css({
    marginLeft: 'auto',
    background: 'none',
    border: 'none',
    color: theme.colors.text.secondary,
    cursor: 'pointer',
    textDecoration: 'underline',
    font: 'inherit',
  }),
});
