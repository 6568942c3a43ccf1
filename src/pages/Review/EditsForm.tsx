import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Checkbox, Field, IconButton, Input, TextArea, useStyles2 } from '@grafana/ui';
import type { FollowUp, PostmortemEdits } from '../../api/types';
import { testIds } from '../../components/testIds';

type TextField = 'summary' | 'impact' | 'rootCause' | 'lessons';

const FIELDS: Array<{ key: TextField; label: string; description: string; testId: string }> = [
  {
    key: 'summary',
    label: 'Summary',
    description: 'What happened, in a few sentences.',
    testId: testIds.review.summary,
  },
  {
    key: 'impact',
    label: 'Impact',
    description: 'Who was affected, how and for how long.',
    testId: testIds.review.impact,
  },
  { key: 'rootCause', label: 'Root cause', description: 'Why it happened.', testId: testIds.review.rootCause },
  {
    key: 'lessons',
    label: 'Lessons',
    description: 'What went well, what did not, what we learned.',
    testId: testIds.review.lessons,
  },
];

interface Props {
  draft: PostmortemEdits;
  canEdit: boolean;
  onChange: (draft: PostmortemEdits) => void;
}

/** The parts of the postmortem people write, and its follow-up actions. */
export function EditsForm({ draft, canEdit, onChange }: Props) {
  const styles = useStyles2(getStyles);
  const setFollowUp = (index: number, followUp: FollowUp) =>
    onChange({ ...draft, followUps: draft.followUps.map((f, i) => (i === index ? followUp : f)) });

  return (
    <div className={styles.form}>
      {FIELDS.map((f) => (
        <Field key={f.key} label={f.label} description={f.description} htmlFor={`review-${f.key}`}>
          <TextArea
            id={`review-${f.key}`}
            rows={f.key === 'summary' ? 4 : 3}
            value={draft[f.key]}
            readOnly={!canEdit}
            data-testid={f.testId}
            onChange={(e) => onChange({ ...draft, [f.key]: e.currentTarget.value })}
          />
        </Field>
      ))}
      <fieldset className={styles.fieldset}>
        <legend className={styles.legend}>Follow-up actions</legend>
        {draft.followUps.length === 0 && <p className={styles.muted}>No follow-ups yet.</p>}
        {draft.followUps.map((f, i) => (
          <div key={i} className={styles.followUp} data-testid={testIds.review.followUp}>
            <Checkbox
              value={f.done}
              aria-label={`Follow-up ${i + 1} done`}
              disabled={!canEdit}
              onChange={(e) => setFollowUp(i, { ...f, done: e.currentTarget.checked })}
            />
            <Input
              aria-label={`Follow-up ${i + 1}`}
              placeholder="What needs doing"
              value={f.title}
              readOnly={!canEdit}
              onChange={(e) => setFollowUp(i, { ...f, title: e.currentTarget.value })}
            />
            <Input
              aria-label={`Owner of follow-up ${i + 1}`}
              placeholder="Owner"
              width={16}
              value={f.owner ?? ''}
              readOnly={!canEdit}
              onChange={(e) => setFollowUp(i, { ...f, owner: e.currentTarget.value || null })}
            />
            {canEdit && (
              <IconButton
                name="trash-alt"
                aria-label={`Remove follow-up ${i + 1}`}
                tooltip="Remove"
                onClick={() => onChange({ ...draft, followUps: draft.followUps.filter((_, j) => j !== i) })}
              />
            )}
          </div>
        ))}
        {canEdit && (
          <Button
            size="sm"
            variant="secondary"
            icon="plus"
            className={styles.add}
            data-testid={testIds.review.addFollowUp}
            onClick={() =>
              onChange({ ...draft, followUps: [...draft.followUps, { title: '', owner: null, done: false }] })
            }
          >
            Add follow-up
          </Button>
        )}
      </fieldset>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ display: 'flex', flexDirection: 'column' }),
  fieldset: css({
    border: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  legend: css({ ...theme.typography.h5, marginBottom: theme.spacing(1) }),
  followUp: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  muted: css({ color: theme.colors.text.secondary, margin: 0 }),
  add: css({ alignSelf: 'flex-start' }),
});
