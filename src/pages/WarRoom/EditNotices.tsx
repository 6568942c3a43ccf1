import React from 'react';
import { Alert, Button, Stack } from '@grafana/ui';
import type { Incident } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { severityLabel, statusLabel } from '../Incidents/format';
import type { FieldChange, IncidentEditState } from './useIncidentEdit';

const FIELD_LABELS: Record<FieldChange['field'], string> = {
  title: 'Title',
  severity: 'Severity',
  status: 'Status',
  commander: 'Commander',
};

/** A field's value as people read it. */
export function describeValue(change: FieldChange): string {
  switch (change.field) {
    case 'severity':
      return severityLabel(change.value);
    case 'status':
      return statusLabel(change.value);
    case 'commander':
      return change.value ? change.value : 'no one';
    case 'title':
      return `"${change.value}"`;
  }
}

const currentValue = (field: FieldChange['field'], incident: Incident): string =>
  describeValue({ field, value: incident[field] } as FieldChange);

/** Tells plainly that someone else changed the incident, what it is now, and lets the user apply their change again. */
export function EditNotices({ edit, incident }: { edit: IncidentEditState; incident: Incident }) {
  const { conflict, error } = edit;
  if (conflict) {
    const { change } = conflict;
    const label = FIELD_LABELS[change.field];
    return (
      <Alert
        severity="warning"
        title={`${incident.reference} was changed by someone else`}
        data-testid={testIds.warRoom.conflict}
        onRemove={edit.dismiss}
      >
        <div>
          Your change ({label} → {describeValue(change)}) was not saved. {label} is now{' '}
          <strong>{currentValue(change.field, incident)}</strong>.
        </div>
        <div>
          Now: severity {severityLabel(incident.severity)}, status {statusLabel(incident.status)}, commander{' '}
          {incident.commander ?? 'no one'} (version {incident.version}).
        </div>
        <Stack gap={1}>
          <Button
            size="sm"
            variant="secondary"
            icon="repeat"
            onClick={() => void edit.retry()}
            data-testid={testIds.warRoom.conflictRetry}
          >
            Apply my change again
          </Button>
          <Button size="sm" variant="secondary" fill="text" onClick={edit.dismiss}>
            Keep theirs
          </Button>
        </Stack>
      </Alert>
    );
  }
  if (error) {
    return (
      <ApiErrorAlert
        error={error.error}
        title={error.title}
        testId={testIds.warRoom.editError}
        onDismiss={edit.dismiss}
      >
        {error.hint && <div>{error.hint}</div>}
      </ApiErrorAlert>
    );
  }
  return null;
}
