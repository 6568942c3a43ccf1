import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, LoadingPlaceholder, TextArea, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/errors';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { TimelineEntry } from './TimelineEntry';
import type { TimelineState } from './useTimeline';

/** The incident's timeline, newest first, with the note box on top (where people look while typing). */
export function Timeline({ timeline, canEdit }: { timeline: TimelineState; canEdit: boolean }) {
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState('');
  const [isSending, setIsSending] = useState(false);
  const [noteError, setNoteError] = useState<ApiError | null>(null);

  const send = async () => {
    const message = draft.trim();
    if (!message) {
      return;
    }
    setIsSending(true);
    setNoteError(null);
    try {
      await timeline.addNote(message);
      setDraft('');
    } catch (e) {
      setNoteError(toApiError(e));
    } finally {
      setIsSending(false);
    }
  };

  const newestFirst = [...timeline.events].reverse();
  return (
    <section className={styles.section} aria-labelledby="warroom-timeline-heading">
      <h3 id="warroom-timeline-heading">Timeline</h3>
      {canEdit && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <Field label="Add a note" description="Ctrl+Enter to post" className={styles.field} htmlFor="warroom-note">
            <TextArea
              id="warroom-note"
              rows={2}
              value={draft}
              placeholder="What did you see or do?"
              data-testid={testIds.timeline.noteInput}
              onChange={(e) => setDraft(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  void send();
                }
              }}
            />
          </Field>
          <Button
            type="submit"
            size="sm"
            icon={isSending ? 'spinner' : 'comment-alt'}
            disabled={isSending || draft.trim() === ''}
            data-testid={testIds.timeline.noteSubmit}
          >
            Add note
          </Button>
        </form>
      )}
      {noteError && (
        <ApiErrorAlert
          error={noteError}
          title="Could not add the note"
          testId={testIds.timeline.noteError}
          onDismiss={() => setNoteError(null)}
        />
      )}
      {timeline.error && (
        <ApiErrorAlert
          error={timeline.error}
          title="Could not load the timeline"
          testId={testIds.timeline.error}
          onRetry={timeline.reload}
        />
      )}
      {timeline.isLoading && <LoadingPlaceholder text="Loading the timeline…" />}
      {!timeline.isLoading && !timeline.error && newestFirst.length === 0 && (
        <p data-testid={testIds.timeline.empty}>Nothing on the timeline yet.</p>
      )}
      {newestFirst.length > 0 && (
        <ol className={styles.list} data-testid={testIds.timeline.list} aria-label="Timeline, newest first">
          {newestFirst.map((event) => (
            <TimelineEntry key={event.id} event={event} />
          ))}
        </ol>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), minWidth: 0 }),
  field: css({ marginBottom: theme.spacing(1) }),
  list: css({ listStyle: 'none', margin: 0, padding: 0 }),
});
