import React, { useState, type FormEvent } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, Input, MultiCombobox, RadioButtonGroup, Stack, TextArea, useStyles2 } from '@grafana/ui';
import { createIncident } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { SEVERITIES, type CreateIncidentInput, type Incident, type Severity } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { declareErrorsFrom, type DeclareErrors, type DeclareField } from './declareErrors';
import { severityLabel } from './format';
import { useServiceCatalog } from './useServiceCatalog';

const SEVERITY_OPTIONS = SEVERITIES.map((s) => ({ label: severityLabel(s), value: s }));
const NO_ERRORS: DeclareErrors = { fields: {}, other: [] };

interface Props {
  onDeclared: (incident: Incident) => void;
  onCancel: () => void;
}

export function DeclareIncidentForm({ onDeclared, onCancel }: Props) {
  const styles = useStyles2(getStyles);
  const catalog = useServiceCatalog();
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<Severity>('high');
  const [description, setDescription] = useState('');
  const [services, setServices] = useState<string[]>([]);
  const [commander, setCommander] = useState('');
  const [errors, setErrors] = useState<DeclareErrors>(NO_ERRORS);
  const [formError, setFormError] = useState<ApiError | null>(null);
  const [isSubmitting, setIsSubmitting] = useState(false);

  // Editing a field answers its error: the message goes until the next submit says otherwise.
  const edited =
    <T,>(field: DeclareField, set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setErrors((e) => (e.fields[field] ? { ...e, fields: { ...e.fields, [field]: undefined } } : e));
    };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '') {
      setErrors({ fields: { title: 'Give the incident a title.' }, other: [] });
      return;
    }
    const input: CreateIncidentInput = { title: title.trim(), severity };
    if (description.trim()) {
      input.description = description.trim();
    }
    if (services.length > 0) {
      input.services = services;
    }
    if (commander.trim()) {
      input.commander = commander.trim();
    }
    setIsSubmitting(true);
    setErrors(NO_ERRORS);
    setFormError(null);
    try {
      onDeclared(await createIncident(input));
    } catch (e) {
      const err = toApiError(e);
      const split = declareErrorsFrom(err);
      setErrors(split);
      // Field messages speak for themselves; the alert is for anything no field can show.
      if (Object.keys(split.fields).length === 0 || split.other.length > 0) {
        setFormError(err);
      }
      setIsSubmitting(false);
    }
  };

  const { fields } = errors;
  const serviceOptions =
    catalog.phase === 'ready'
      ? catalog.services.map((s) => ({ value: s.name, label: s.name, description: s.team ?? undefined }))
      : [];

  return (
    <form onSubmit={onSubmit} data-testid={testIds.declareForm.form} noValidate>
      {formError && (
        <ApiErrorAlert error={formError} title="The incident was not declared" testId={testIds.declareForm.error}>
          {errors.other.length > 0 && (
            <ul className={styles.issues}>
              {errors.other.map((issue, i) => (
                <li key={i}>{issue.message}</li>
              ))}
            </ul>
          )}
        </ApiErrorAlert>
      )}
      <Field label="Title" required invalid={Boolean(fields.title)} error={fields.title}>
        <Input
          id="declare-title"
          data-testid={testIds.declareForm.title}
          value={title}
          placeholder="What is broken, as users see it"
          onChange={(e) => edited('title', setTitle)(e.currentTarget.value)}
          autoFocus
        />
      </Field>
      <div data-testid={testIds.declareForm.severity}>
        <Field label="Severity" invalid={Boolean(fields.severity)} error={fields.severity}>
          <RadioButtonGroup<Severity>
            id="declare-severity"
            options={SEVERITY_OPTIONS}
            value={severity}
            onChange={edited('severity', setSeverity)}
          />
        </Field>
      </div>
      <Field label="Description" invalid={Boolean(fields.description)} error={fields.description}>
        <TextArea
          id="declare-description"
          data-testid={testIds.declareForm.description}
          value={description}
          rows={4}
          placeholder="Impact, first symptoms, links"
          onChange={(e) => edited('description', setDescription)(e.currentTarget.value)}
        />
      </Field>
      <Field
        label="Impacted services"
        description={
          catalog.phase === 'error'
            ? `The service catalog could not be loaded (${catalog.error.message}). You can declare without services.`
            : catalog.phase === 'ready' && catalog.services.length === 0
              ? 'The service catalog is empty.'
              : undefined
        }
        invalid={Boolean(fields.services)}
        error={fields.services}
      >
        <MultiCombobox<string>
          id="declare-services"
          data-testid={testIds.declareForm.services}
          options={serviceOptions}
          value={services}
          loading={catalog.phase === 'loading'}
          placeholder="Pick the services users feel it on"
          onChange={(selected) => edited('services', setServices)(selected.map((o) => o.value))}
        />
      </Field>
      <Field
        label="Commander"
        description="Who leads the response (optional)"
        invalid={Boolean(fields.commander)}
        error={fields.commander}
      >
        <Input
          id="declare-commander"
          data-testid={testIds.declareForm.commander}
          value={commander}
          onChange={(e) => edited('commander', setCommander)(e.currentTarget.value)}
        />
      </Field>
      <Stack gap={1}>
        <Button
          type="submit"
          data-testid={testIds.declareForm.submit}
          disabled={isSubmitting}
          icon={isSubmitting ? 'spinner' : 'fire'}
        >
          Declare incident
        </Button>
        <Button
          type="button"
          variant="secondary"
          fill="outline"
          data-testid={testIds.declareForm.cancel}
          onClick={onCancel}
        >
          Cancel
        </Button>
      </Stack>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  issues: css({
    margin: theme.spacing(1, 0, 0, 2),
  }),
});
