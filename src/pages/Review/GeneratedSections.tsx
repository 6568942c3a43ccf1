import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import type { Postmortem } from '../../api/types';
import { testIds } from '../../components/testIds';
import { formatScore, formatTime, HYPOTHESIS_COLORS, SIGNAL_LABELS, SOURCE_LABELS } from '../WarRoom/format';

/** The parts of the postmortem the sidecar derives from the incident: read-only here, always current. */
export function GeneratedSections({ postmortem: pm }: { postmortem: Postmortem }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.sections}>
      <section aria-labelledby="review-timeline" data-testid={testIds.review.timeline}>
        <h3 id="review-timeline">Timeline</h3>
        {pm.timeline.length === 0 ? (
          <p className={styles.muted}>Nothing on the timeline.</p>
        ) : (
          <ol className={styles.list}>
            {pm.timeline.map((e) => (
              <li key={e.id}>
                <time dateTime={e.occurredAt} className={styles.time}>
                  {formatTime(e.occurredAt)}
                </time>{' '}
                {e.message} <span className={styles.muted}>({e.author})</span>
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="review-hypotheses" data-testid={testIds.review.hypotheses}>
        <h3 id="review-hypotheses">Hypotheses and verdicts</h3>
        {pm.hypotheses.length === 0 ? (
          <p className={styles.muted}>No hypotheses were recorded.</p>
        ) : (
          <ul className={styles.list}>
            {pm.hypotheses.map((h) => (
              <li key={h.id}>
                <Badge color={HYPOTHESIS_COLORS[h.status]} text={h.status} /> {h.statement}
                {h.decisionNote && <span className={styles.muted}> — {h.decisionNote}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="review-pinned" data-testid={testIds.review.pinned}>
        <h3 id="review-pinned">Pinned evidence</h3>
        {pm.pinnedEvidence.length === 0 ? (
          <p className={styles.muted}>No evidence was pinned during the incident.</p>
        ) : (
          <ul className={styles.list}>
            {pm.pinnedEvidence.map((f) => (
              <li key={f.id}>
                {SOURCE_LABELS[f.source] ?? f.source} · {SIGNAL_LABELS[f.signal] ?? f.signal} · score{' '}
                {formatScore(f.score)}: {f.summary}
                {f.query && <code className={styles.query}>{f.query}</code>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="review-budget" data-testid={testIds.review.budget}>
        <h3 id="review-budget">Error budget burned</h3>
        {pm.budgetBurned === null ? (
          <p className={styles.muted}>Unavailable: Prometheus could not be reached to measure the SLOs.</p>
        ) : pm.budgetBurned.length === 0 ? (
          <p className={styles.muted}>No SLO covers the impacted services.</p>
        ) : (
          <table className={styles.table}>
            <thead>
              <tr>
                <th scope="col">SLO</th>
                <th scope="col">Service</th>
                <th scope="col">Budget burned</th>
              </tr>
            </thead>
            <tbody>
              {pm.budgetBurned.map((b) => (
                <tr key={b.sloId}>
                  <td>{b.slo}</td>
                  <td>{b.service}</td>
                  <td>
                    {b.budgetPercent.toFixed(1)} % ({b.budgetMinutes.toFixed(1)} min)
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  sections: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), h3: { ...theme.typography.h4 } }),
  list: css({
    margin: 0,
    paddingLeft: theme.spacing(2.5),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
  time: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.secondary }),
  muted: css({ color: theme.colors.text.secondary }),
  query: css({ display: 'block', fontSize: theme.typography.bodySmall.fontSize, overflowWrap: 'anywhere' }),
  table: css({
    borderCollapse: 'collapse',
    'th, td': { textAlign: 'left', padding: theme.spacing(0.5, 2, 0.5, 0) },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
});
