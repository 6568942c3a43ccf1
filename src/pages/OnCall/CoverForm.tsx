import React, { useState } from 'react';
import type { DateTime } from '@grafana/data';
import { Combobox, DateTimePicker, Field, Input, Stack } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/errors';
import { createOverride } from '../../api/onCall';
import type { Override, Person } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { FormActions } from '../../components/FormActions/FormActions';
import { testIds } from '../../components/testIds';
import { userDateTime, userTimeZone } from '../../components/userTime';

const ids = testIds.coverForm;

export interface CoverDefaults {
  personId: string | null;
  start: number;
  end: number;
  /** Whose shift is covered, for the note the override keeps. */
  covering?: string | null;
}

interface Props {
  scheduleId: string;
  people: Person[];
  defaults: CoverDefaults;
  onSaved: (override: Override) => void;
  onCancel: () => void;
  /** A failed save: true when the page handled it (a 403 turns it read only) and the form should close. */
  onRefused: (error: ApiError) => boolean;
}

/** "Cover for…": someone is on call over a range, whatever the rotation says. Prefilled, so it is one click more. */
export function CoverForm({ scheduleId, people, defaults, onSaved, onCancel, onRefused }: Props) {
  const [personId, setPersonId] = useState<string | null>(defaults.personId);
  const [start, setStart] = useState<DateTime>(() => userDateTime(defaults.start));
  const [end, setEnd] = useState<DateTime>(() => userDateTime(defaults.end));
  const [note, setNote] = useState(defaults.covering ? `covering for ${defaults.covering}` : '');
  const [isSubmitting, setIsSubmitting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [missing, setMissing] = useState<string | null>(null);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!personId) {
      setMissing('Pick who covers');
      return;
    }
    if (end.valueOf() <= start.valueOf()) {
      setMissing('The end must be after the start');
      return;
    }
    setMissing(null);
    setIsSubmitting(true);
    setError(null);
    try {
      const input = {
        personId,
        start: new Date(start.valueOf()).toISOString(),
        end: new Date(end.valueOf()).toISOString(),
        ...(note.trim() && { note: note.trim() }),
      };
      onSaved(await createOverride(scheduleId, input));
    } catch (e) {
      const apiError = toApiError(e);
      if (!onRefused(apiError)) {
        setError(apiError);
      }
    } finally {
      setIsSubmitting(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} data-testid={ids.form}>
      <Field label="Who covers" invalid={missing === 'Pick who covers'} error={missing}>
        <Combobox<string>
          id="cover-person"
          data-testid={ids.person}
          options={people.map((p) => ({ value: p.id, label: p.name, description: p.login }))}
          value={personId}
          onChange={(option) => setPersonId(option.value)}
        />
      </Field>
      <Stack gap={2} wrap="wrap">
        <Field label="From" description="In your time zone">
          <div data-testid={ids.start}>
            <DateTimePicker
              date={start}
              onChange={(d) => d && setStart(d)}
              timeZone={userTimeZone()}
              showSeconds={false}
            />
          </div>
        </Field>
        <Field
          label="Until"
          description="In your time zone"
          invalid={missing === 'The end must be after the start'}
          error={missing?.startsWith('The end') ? missing : undefined}
        >
          <div data-testid={ids.end}>
            <DateTimePicker date={end} onChange={(d) => d && setEnd(d)} timeZone={userTimeZone()} showSeconds={false} />
          </div>
        </Field>
      </Stack>
      <Field label="Note" description="Optional: shown with the override">
        <Input id="cover-note" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={500} />
      </Field>
      {error && <ApiErrorAlert error={error} title="The cover was not saved" testId={ids.error} />}
      <FormActions
        submitLabel="Cover"
        isSubmitting={isSubmitting}
        onCancel={onCancel}
        submitTestId={ids.submit}
        cancelTestId={ids.cancel}
      />
    </form>
  );
}
