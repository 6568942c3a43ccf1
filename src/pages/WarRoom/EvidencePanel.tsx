import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { Finding, TimelineEvent } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { FindingCard } from './FindingCard';
import { formatTime, SOURCE_LABELS } from './format';
import { SourceStatusList } from './SourceStatusList';
import type { CorrelationsState } from './useCorrelations';

interface Props {
  correlations: CorrelationsState;
  /** Finding ids already pinned (from the timeline's evidence_pinned entries). */
  pinnedIds: Set<string>;
  canEdit: boolean;
  onPinned: (event: TimelineEvent) => void;
}

const TRIGGERS = { created: 'when the incident opened', manual: 'on request', refresh: 'on its periodic refresh' };

/** Findings grouped by source, each group in rank order, sources ordered by their best finding. */
export function groupBySource(findings: Finding[]): Array<{ source: Finding['source']; findings: Finding[] }> {
  const ranked = [...findings].sort((a, b) => a.rank - b.rank);
  const order = [...new Set(ranked.map((f) => f.source))];
  return order.map((source) => ({ source, findings: ranked.filter((f) => f.source === source) }));
}

/** The correlation engine's evidence: how each source answered, and the ranked findings with their proof. */
export function EvidencePanel({ correlations, pinnedIds, canEdit, onPinned }: Props) {
  const styles = useStyles2(getStyles);
  const { result, error, isLoading, isRunning, actionError } = correlations;
  const run = result?.run ?? null;

  const pin = async (finding: Finding) => {
    const event = await correlations.pin(finding);
    if (event) {
      onPinned(event);
    }
  };

  return (
    <section className={styles.section} data-testid={testIds.evidence.panel} aria-labelledby="warroom-evidence-heading">
      <div className={styles.heading}>
        <h3 id="warroom-evidence-heading">Evidence</h3>
        {canEdit && (
          <Button
            size="sm"
            variant="secondary"
            icon={isRunning ? 'spinner' : 'sync'}
            disabled={isRunning}
            onClick={() => void correlations.rerun()}
            data-testid={testIds.evidence.rerun}
          >
            {isRunning ? 'Correlating…' : run ? 'Re-run correlation' : 'Run correlation'}
          </Button>
        )}
      </div>
      {actionError && (
        <ApiErrorAlert
          error={actionError.error}
          title={actionError.title}
          testId={testIds.evidence.actionError}
          onDismiss={correlations.dismissActionError}
        />
      )}
      {error && (
        <ApiErrorAlert
          error={error}
          title="Could not load the evidence"
          testId={testIds.evidence.error}
          onRetry={correlations.reload}
        />
      )}
      {isLoading && <LoadingPlaceholder text="Loading the evidence…" />}
      {!isLoading && !error && !run && (
        <p data-testid={testIds.evidence.empty}>
          No correlation yet. The studio correlates an incident when it opens; run it now to look for what changed in
          Prometheus, Loki, Tempo and recent deploys.
        </p>
      )}
      {run && (
        <>
          <div className={styles.runMeta}>
            {run.finishedAt
              ? `Correlated ${TRIGGERS[run.trigger] ?? run.trigger} at ${formatTime(run.finishedAt)}`
              : `Correlation started at ${formatTime(run.startedAt)}, still running`}
            {` · window ${formatTime(run.window.start)}–${formatTime(run.window.end)}`}
          </div>
          <SourceStatusList run={run} />
          {result!.findings.length === 0 && (
            <p data-testid={testIds.evidence.empty}>
              No findings: none of the sources that answered showed a signal that moved from its baseline.
            </p>
          )}
          {groupBySource(result!.findings).map((group) => (
            <div
              key={group.source}
              className={styles.group}
              data-testid={testIds.evidence.group}
              data-source={group.source}
            >
              <h4 className={styles.groupTitle}>{SOURCE_LABELS[group.source] ?? group.source}</h4>
              {group.findings.map((finding) => (
                <FindingCard
                  key={finding.id}
                  finding={finding}
                  canPin={canEdit}
                  isPinned={pinnedIds.has(finding.id)}
                  isPinning={correlations.pendingPinId === finding.id}
                  onPin={(f) => void pin(f)}
                />
              ))}
            </div>
          ))}
        </>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1.5), minWidth: 0 }),
  heading: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'center', h3: { margin: 0 } }),
  runMeta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  group: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  groupTitle: css({ margin: 0, ...theme.typography.h5 }),
});
