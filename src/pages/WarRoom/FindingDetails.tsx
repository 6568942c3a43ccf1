import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { TextLink, useStyles2 } from '@grafana/ui';
import type { Finding } from '../../api/types';
import { formatTime, formatValue } from './format';

const MAX_SAMPLES = 3;
const MAX_TRACES = 5;

/** What a finding carries besides its summary: values, log samples, traces, failing spans, the change. */
export function FindingDetails({ finding }: { finding: Finding }) {
  const styles = useStyles2(getStyles);
  const { data } = finding;
  return (
    <>
      {(data.baselineValue !== undefined || data.currentValue !== undefined) && (
        <div className={styles.secondary}>
          Baseline {formatValue(data.baselineValue, data.unit)} → now {formatValue(data.currentValue, data.unit)}
        </div>
      )}
      {data.pattern && (
        <div className={styles.secondary}>
          Pattern <code>{data.pattern}</code>
          {data.count !== undefined && ` · ${data.count} lines`}
          {data.baselineCount !== undefined && ` (baseline ${data.baselineCount})`}
        </div>
      )}
      {data.samples && data.samples.length > 0 && (
        <ul className={styles.logs} aria-label="Sample log lines">
          {data.samples.slice(0, MAX_SAMPLES).map((s, i) => (
            <li key={i}>
              <time dateTime={s.at} className={styles.secondary}>
                {formatTime(s.at)}
              </time>{' '}
              {s.line}
            </li>
          ))}
        </ul>
      )}
      {data.traces && data.traces.length > 0 && (
        <table className={styles.table} aria-label="Traces">
          <thead>
            <tr>
              <th scope="col">Trace id</th>
              <th scope="col">Root</th>
              <th scope="col">Duration</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {data.traces.slice(0, MAX_TRACES).map((t) => (
              <tr key={t.traceId}>
                <td>
                  <code>{t.traceId}</code>
                </td>
                <td>
                  {t.rootService} {t.rootName}
                </td>
                <td>{t.durationMs === null ? '—' : `${Math.round(t.durationMs)} ms`}</td>
                <td>{t.error ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.spans && data.spans.length > 0 && (
        <ul className={styles.plain} aria-label="Spans that fail most">
          {data.spans.map((s) => (
            <li key={`${s.service}/${s.name}`}>
              {s.service} · <code>{s.name}</code>: {s.errors} of {s.total} failed
            </li>
          ))}
        </ul>
      )}
      {data.change && (
        <div className={styles.secondary}>
          {data.change.kind} by {data.change.author} at {formatTime(data.change.at)}
          {data.change.description && ` · ${data.change.description}`}
          {data.change.url && (
            <>
              {' · '}
              <TextLink href={data.change.url} external inline>
                details
              </TextLink>
            </>
          )}
        </div>
      )}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  secondary: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  logs: css({
    listStyle: 'none',
    margin: 0,
    padding: theme.spacing(1),
    background: theme.colors.background.canvas,
    borderRadius: theme.shape.radius.default,
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    overflowWrap: 'anywhere',
  }),
  table: css({
    width: '100%',
    fontSize: theme.typography.bodySmall.fontSize,
    borderCollapse: 'collapse',
    'th, td': { textAlign: 'left', padding: theme.spacing(0.25, 1, 0.25, 0) },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  plain: css({ margin: 0, paddingLeft: theme.spacing(2), fontSize: theme.typography.bodySmall.fontSize }),
});
