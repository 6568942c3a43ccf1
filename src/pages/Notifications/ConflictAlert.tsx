import React from 'react';
import { Alert, Button, Stack } from '@grafana/ui';

interface Props {
  /** "Rule paging was changed by someone else". */
  title: string;
  /** What the user tried, and what it is now. */
  children: React.ReactNode;
  retryLabel: string;
  onRetry: () => void;
  onKeepTheirs: () => void;
  testId: string;
  retryTestId: string;
}

/** A 409 VERSION_CONFLICT as the war room shows one: nothing was saved, here is theirs, apply mine again or keep it. */
export function ConflictAlert({ title, children, retryLabel, onRetry, onKeepTheirs, testId, retryTestId }: Props) {
  return (
    <Alert severity="warning" title={title} data-testid={testId} onRemove={onKeepTheirs}>
      {children}
      <Stack gap={1}>
        <Button size="sm" variant="secondary" icon="repeat" onClick={onRetry} data-testid={retryTestId}>
          {retryLabel}
        </Button>
        <Button size="sm" variant="secondary" fill="text" onClick={onKeepTheirs}>
          Keep theirs
        </Button>
      </Stack>
    </Alert>
  );
}
