import React from 'react';
import { Button, Stack } from '@grafana/ui';

interface Props {
  submitLabel: string;
  isSubmitting: boolean;
  onCancel: () => void;
  submitTestId?: string;
  cancelTestId?: string;
}

/** A form's submit (with a spinner while it is sent) and cancel buttons, as every editor drawer ends. */
export function FormActions({ submitLabel, isSubmitting, onCancel, submitTestId, cancelTestId }: Props) {
  return (
    <Stack gap={1}>
      <Button
        type="submit"
        disabled={isSubmitting}
        icon={isSubmitting ? 'spinner' : undefined}
        data-testid={submitTestId}
      >
        {submitLabel}
      </Button>
      <Button variant="secondary" fill="outline" onClick={onCancel} data-testid={cancelTestId}>
        Cancel
      </Button>
    </Stack>
  );
}
