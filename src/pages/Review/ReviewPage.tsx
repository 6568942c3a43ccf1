import React, { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/errors';
import { getPostmortemMarkdown } from '../../api/evidence';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { warRoomUrl } from '../../constants';
import { SEVERITY_COLORS, severityLabel, statusLabel } from '../Incidents/format';
import { formatDuration } from '../WarRoom/format';
import { canEdit as userCanEdit } from '../../components/permissions';
import { downloadText } from './download';
import { EditsForm } from './EditsForm';
import { GeneratedSections } from './GeneratedSections';
import { ReviewConflict } from './ReviewConflict';
import { usePostmortem } from './usePostmortem';

/** The incident's review: the postmortem draft to edit, what the incident recorded, and a Markdown export. */
export function ReviewPage() {
  const { id = '' } = useParams();
  // Keyed by incident: another incident's review starts from a clean state.
  return <Review key={id} id={id} />;
}

function Review({ id }: { id: string }) {
  const styles = useStyles2(getStyles);
  const pm = usePostmortem(id);
  const canEdit = userCanEdit();
  const [isDownloading, setIsDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<ApiError | null>(null);
  const p = pm.postmortem;

  const download = async () => {
    setIsDownloading(true);
    setDownloadError(null);
    try {
      downloadText(await getPostmortemMarkdown(id), `${p?.reference ?? 'incident'}-postmortem.md`);
    } catch (e) {
      setDownloadError(toApiError(e));
    } finally {
      setIsDownloading(false);
    }
  };

  return (
    <PluginPage pageNav={{ text: p ? `${p.reference} review` : 'Review' }}>
      <div className={styles.page} data-testid={testIds.review.container}>
        <Link to={warRoomUrl(id)} className={styles.back}>
          ← War room
        </Link>
        {pm.error && !p && (
          <ApiErrorAlert
            error={pm.error}
            title="Could not load the review"
            testId={testIds.review.pageError}
            onRetry={pm.reload}
          />
        )}
        {!p && !pm.error && <LoadingPlaceholder text="Loading the review…" />}
        {p && pm.draft && (
          <>
            <header className={styles.header}>
              <div>
                <div className={styles.reference}>{p.reference}</div>
                <h2 className={styles.title}>{p.title}</h2>
                <div className={styles.facts}>
                  <Badge color={SEVERITY_COLORS[p.severity]} text={severityLabel(p.severity)} />
                  <span>{statusLabel(p.status)}</span>
                  <span>Started {dateTimeFormat(p.startedAt)}</span>
                  <span>{p.resolvedAt ? `Resolved ${dateTimeFormat(p.resolvedAt)}` : 'Not resolved yet'}</span>
                  <span>Duration {formatDuration(p.durationMs)}</span>
                  <span>
                    Services: {p.services.length ? p.services.map((s) => `${s.name} (${s.impact})`).join(', ') : 'none'}
                  </span>
                </div>
              </div>
              <div className={styles.actions}>
                <Button
                  variant="secondary"
                  icon={isDownloading ? 'spinner' : 'download-alt'}
                  disabled={isDownloading}
                  onClick={() => void download()}
                  data-testid={testIds.review.download}
                >
                  Download Markdown
                </Button>
                {canEdit && (
                  <Button
                    icon={pm.isSaving ? 'spinner' : 'save'}
                    disabled={pm.isSaving || !pm.isDirty}
                    onClick={() => void pm.save()}
                    data-testid={testIds.review.save}
                  >
                    Save
                  </Button>
                )}
              </div>
            </header>
            {downloadError && (
              <ApiErrorAlert
                error={downloadError}
                title="Could not download the Markdown"
                testId={testIds.review.downloadError}
                onDismiss={() => setDownloadError(null)}
              />
            )}
            {pm.conflict && (
              <ReviewConflict
                conflict={pm.conflict}
                draft={pm.draft}
                onOverwrite={() => void pm.overwrite()}
                onTakeTheirs={pm.takeTheirs}
              />
            )}
            {pm.saveError && (
              <ApiErrorAlert error={pm.saveError} title="Could not save the review" testId={testIds.review.saveError} />
            )}
            {pm.savedAt && !pm.isDirty && (
              <Alert severity="success" title={`Saved (version ${p.version})`} data-testid={testIds.review.saved} />
            )}
            <div className={styles.grid}>
              <EditsForm draft={pm.draft} canEdit={canEdit} onChange={pm.setDraft} />
              <GeneratedSections postmortem={p} />
            </div>
          </>
        )}
      </div>
    </PluginPage>
  );
}

export default ReviewPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  back: css({ color: theme.colors.text.link, alignSelf: 'flex-start' }),
  header: css({ display: 'flex', justifyContent: 'space-between', gap: theme.spacing(2), flexWrap: 'wrap' }),
  reference: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.secondary }),
  title: css({ margin: 0, ...theme.typography.h3 }),
  facts: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    alignItems: 'center',
    marginTop: theme.spacing(1),
    color: theme.colors.text.secondary,
  }),
  actions: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'flex-start' }),
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)',
    gap: theme.spacing(3),
    alignItems: 'start',
    [theme.breakpoints.down('lg')]: { gridTemplateColumns: 'minmax(0, 1fr)' },
  }),
});
