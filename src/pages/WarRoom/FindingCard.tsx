import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, ClipboardButton, LinkButton, useStyles2 } from '@grafana/ui';
import type { Finding } from '../../api/types';
import { testIds } from '../../components/testIds';
import { exploreLink, useExploreUids } from './explore';
import { FindingDetails } from './FindingDetails';
import { FindingSparkline } from './FindingSparkline';
import { formatScore, formatTime, SIGNAL_LABELS } from './format';

interface Props {
  finding: Finding;
  isPinned: boolean;
  isPinning: boolean;
  canPin: boolean;
  onPin: (finding: Finding) => void;
}

/** One ranked finding with everything needed to check it: score, when it moved, its data, query and Explore link. */
export function FindingCard({ finding, isPinned, isPinning, canPin, onPin }: Props) {
  const styles = useStyles2(getStyles);
  const signal = SIGNAL_LABELS[finding.signal] ?? finding.signal;
  const explore = exploreLink(finding, useExploreUids());
  return (
    <article
      className={styles.card}
      data-testid={testIds.evidence.finding}
      data-finding-id={finding.id}
      data-source={finding.source}
      data-rank={finding.rank}
      aria-label={`Finding ${finding.rank}: ${finding.summary}`}
    >
      <div className={styles.top}>
        <span className={styles.rank}>#{finding.rank}</span>
        <span className={styles.score} title="How far the signal moved from its baseline">
          score {formatScore(finding.score)}
        </span>
        <span className={styles.meta}>
          {signal}
          {finding.service && ` · ${finding.service}`}
          {finding.changedAt && ` · moved at ${formatTime(finding.changedAt)}`}
        </span>
      </div>
      <div className={styles.summary}>{finding.summary}</div>
      {finding.data.series && finding.data.series.length > 1 && (
        <FindingSparkline series={finding.data.series} unit={finding.data.unit} label={signal} />
      )}
      <FindingDetails finding={finding} />
      {finding.query && (
        <div className={styles.queryRow}>
          <code className={styles.query} data-testid={testIds.evidence.query}>
            {finding.query}
          </code>
          <ClipboardButton
            size="sm"
            variant="secondary"
            fill="text"
            icon="copy"
            getText={() => finding.query}
            aria-label={`Copy the query of finding ${finding.rank}`}
          >
            Copy
          </ClipboardButton>
        </div>
      )}
      <div className={styles.actions}>
        {explore && (
          <LinkButton
            size="sm"
            variant="secondary"
            fill="outline"
            icon="compass"
            href={explore}
            data-testid={testIds.evidence.explore}
          >
            Open in Explore
          </LinkButton>
        )}
        {canPin && (
          <Button
            size="sm"
            variant="secondary"
            icon={isPinning ? 'spinner' : 'gf-pin'}
            disabled={isPinned || isPinning}
            onClick={() => onPin(finding)}
            aria-label={isPinned ? `Finding ${finding.rank} is pinned` : `Pin finding ${finding.rank} to the timeline`}
            data-testid={testIds.evidence.pin}
          >
            {isPinned ? 'Pinned' : 'Pin'}
          </Button>
        )}
      </div>
    </article>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    padding: theme.spacing(1.5),
    border: `thin solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
  }),
  top: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'baseline', flexWrap: 'wrap' }),
  rank: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.secondary }),
  score: css({ fontWeight: theme.typography.fontWeightMedium }),
  meta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  summary: css({ fontWeight: theme.typography.fontWeightMedium }),
  queryRow: css({ display: 'flex', alignItems: 'flex-start', gap: theme.spacing(1) }),
  query: css({
    flexGrow: 1,
    minWidth: 0,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  actions: css({ display: 'flex', gap: theme.spacing(1) }),
});
