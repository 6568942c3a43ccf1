import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import { CORRELATION_SOURCES, type CorrelationRun, type SourceStatus } from '../../api/types';
import { testIds } from '../../components/testIds';
import { SOURCE_LABELS, SOURCE_STATUS_COLORS, SOURCE_STATUS_LABELS } from './format';

/** What to say about a source when the sidecar gave no message. */
function defaultMessage(source: string, status: SourceStatus, findings: number): string {
  switch (status) {
    case 'skipped':
      return `${source} not configured: it was not asked.`;
    case 'failed':
      return `${source} could not be queried: no evidence from it.`;
    case 'degraded':
      return `${source} answered in part: its evidence may be incomplete.`;
    default:
      return findings === 0 ? 'Asked; nothing stood out.' : `${findings} finding${findings === 1 ? '' : 's'}.`;
  }
}

/** One line per source: how it answered this run and why, so a missing source is never mistaken for "all clear". */
export function SourceStatusList({ run }: { run: CorrelationRun }) {
  const styles = useStyles2(getStyles);
  return (
    <ul className={styles.list} aria-label="Sources of this correlation run">
      {CORRELATION_SOURCES.map((source) => {
        const s = run.sources[source];
        const label = SOURCE_LABELS[source];
        if (!s) {
          return null;
        }
        return (
          <li key={source} data-testid={testIds.evidence.source} data-source={source} data-source-status={s.status}>
            <span className={styles.name}>{label}</span>
            <Badge color={SOURCE_STATUS_COLORS[s.status]} text={SOURCE_STATUS_LABELS[s.status]} />
            <span className={styles.message}>
              {s.status !== 'ok' && s.message ? s.message : defaultMessage(label, s.status, s.findings)}
              {s.durationMs !== null && s.status !== 'skipped' && ` (${Math.round(s.durationMs)} ms)`}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    li: { display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' },
  }),
  name: css({ minWidth: theme.spacing(10), fontWeight: theme.typography.fontWeightMedium }),
  message: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
