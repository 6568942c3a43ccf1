import React from 'react';
import { Alert, Button, Stack } from '@grafana/ui';
import type { PostmortemEdits } from '../../api/types';
import { testIds } from '../../components/testIds';
import type { PostmortemConflict } from './usePostmortem';

const LABELS: Record<keyof PostmortemEdits, string> = {
  summary: 'Summary',
  impact: 'Impact',
  rootCause: 'Root cause',
  lessons: 'Lessons',
  followUps: 'Follow-ups',
};

const shown = (value: PostmortemEdits[keyof PostmortemEdits]) =>
  Array.isArray(value) ? value.map((f) => f.title).join('; ') || '(none)' : value || '(empty)';

interface Props {
  conflict: PostmortemConflict;
  draft: PostmortemEdits;
  onOverwrite: () => void;
  onTakeTheirs: () => void;
}

/** Someone else saved the review meanwhile: what they wrote where it differs, and the two ways on. */
export function ReviewConflict({ conflict, draft, onOverwrite, onTakeTheirs }: Props) {
  const differing = (Object.keys(LABELS) as Array<keyof PostmortemEdits>).filter(
    (k) => JSON.stringify(conflict.theirs[k]) !== JSON.stringify(draft[k])
  );
  return (
    <Alert severity="warning" title="The review was changed by someone else" data-testid={testIds.review.conflict}>
      <div>Your edits are not saved yet. Their version ({conflict.theirVersion}) says:</div>
      <ul>
        {differing.map((k) => (
          <li key={k}>
            <strong>{LABELS[k]}:</strong> {shown(conflict.theirs[k])}
          </li>
        ))}
      </ul>
      <Stack gap={1}>
        <Button size="sm" variant="primary" onClick={onOverwrite}>
          Save mine over theirs
        </Button>
        <Button size="sm" variant="secondary" onClick={onTakeTheirs}>
          Discard mine, keep theirs
        </Button>
      </Stack>
    </Alert>
  );
}
