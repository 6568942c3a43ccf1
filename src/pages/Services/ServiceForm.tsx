import React, { useEffect, useState, type FormEvent } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, FieldSet, Input, RadioButtonGroup, Stack, TextArea, useStyles2 } from '@grafana/ui';
import { createService, getService, updateService } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Service } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import {
  formValuesOf,
  inputOf,
  QUERY_FIELDS,
  serviceErrorsFrom,
  type QueryKey,
  type ServiceField,
  type ServiceFieldErrors,
  type ServiceFormValues,
} from './serviceForm';

const TIER_OPTIONS = [1, 2, 3, 4].map((t) => ({
  label: `Tier ${t}`,
  value: t as 1 | 2 | 3 | 4,
  description: t === 1 ? 'Most critical' : t === 4 ? 'Least critical' : undefined,
}));

interface Props {
  /** The service to edit; absent: add a new one. */
  service?: Service;
  onSaved: (service: Service) => void;
  onCancel: () => void;
}

/** Adds or edits a catalog service; the sidecar's validation messages appear on the fields they concern. */
export function ServiceForm({ service, onSaved, onCancel }: Props) {
  const styles = useStyles2(getStyles);
  const mode = service ? 'edit' : 'create';
  const [values, setValues] = useState<ServiceFormValues>(() => formValuesOf(service));
  const [errors, setErrors] = useState<ServiceFieldErrors>({});
  const [formError, setFormError] = useState<ApiError | null>(null);
  const [isSubmitting, setIsSubmitting] = useState(false);
  const [effective, setEffective] = useState<Service['effectiveQueries']>(undefined);

  // The queries correlation runs now (defaults filled in) show what an empty override falls back to.
  useEffect(() => {
    if (!service) {
      return;
    }
    const controller = new AbortController();
    getService(service.name, { signal: controller.signal }).then(
      (full) => !controller.signal.aborted && setEffective(full.effectiveQueries),
      // Only help text depends on it: the form works without.
      () => undefined
    );
    return () => controller.abort();
  }, [service]);

  const set = <K extends keyof ServiceFormValues>(key: K, value: ServiceFormValues[K], field: ServiceField) => {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => (e[field] ? { ...e, [field]: undefined } : e));
  };
  const setQuery = (key: QueryKey, value: string) => set('queries', { ...values.queries, [key]: value }, key);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (values.name.trim() === '') {
      setErrors({ name: 'Give the service a name.' });
      return;
    }
    const built = inputOf(values, mode);
    if ('errors' in built) {
      setErrors(built.errors);
      return;
    }
    setIsSubmitting(true);
    setErrors({});
    setFormError(null);
    try {
      onSaved(service ? await updateService(service.name, built.input) : await createService(built.input));
    } catch (e) {
      const err = toApiError(e);
      const split = serviceErrorsFrom(err);
      setErrors(split.fields);
      if (Object.keys(split.fields).length === 0 || split.other.length > 0) {
        setFormError(err);
      }
      setIsSubmitting(false);
    }
  };

  const ids = testIds.serviceForm;
  return (
    <form onSubmit={onSubmit} noValidate data-testid={ids.form}>
      {formError && <ApiErrorAlert error={formError} title="Could not save the service" testId={ids.error} />}
      <Field
        label="Name"
        description="Lowercase letters, digits, dot, dash or underscore"
        required
        invalid={Boolean(errors.name)}
        error={errors.name}
      >
        <Input
          id="service-name"
          data-testid={ids.name}
          value={values.name}
          onChange={(e) => set('name', e.currentTarget.value, 'name')}
        />
      </Field>
      <Field label="Team" invalid={Boolean(errors.team)} error={errors.team}>
        <Input
          id="service-team"
          data-testid={ids.team}
          value={values.team}
          onChange={(e) => set('team', e.currentTarget.value, 'team')}
        />
      </Field>
      <Field label="Tier" invalid={Boolean(errors.tier)} error={errors.tier}>
        <div data-testid={ids.tier}>
          <RadioButtonGroup
            aria-label="Tier"
            options={TIER_OPTIONS}
            value={values.tier}
            onChange={(t) => set('tier', t, 'tier')}
          />
        </div>
      </Field>
      <Field label="Description" invalid={Boolean(errors.description)} error={errors.description}>
        <TextArea
          id="service-description"
          rows={2}
          data-testid={ids.description}
          value={values.description}
          onChange={(e) => set('description', e.currentTarget.value, 'description')}
        />
      </Field>
      <Field
        label="Labels"
        description="The selector of the service's telemetry, one name=value a line (e.g. service=checkout)"
        invalid={Boolean(errors.labels)}
        error={errors.labels}
      >
        <TextArea
          id="service-labels"
          rows={3}
          data-testid={ids.labels}
          className={styles.mono}
          value={values.labels}
          onChange={(e) => set('labels', e.currentTarget.value, 'labels')}
        />
      </Field>
      <Field label="Runbook URL" invalid={Boolean(errors.runbookUrl)} error={errors.runbookUrl}>
        <Input
          id="service-runbook"
          type="url"
          data-testid={ids.runbookUrl}
          placeholder="https://wiki.example.com/runbooks/checkout"
          value={values.runbookUrl}
          onChange={(e) => set('runbookUrl', e.currentTarget.value, 'runbookUrl')}
        />
      </Field>
      <FieldSet label="Query overrides" className={styles.queries}>
        <p className={styles.help}>
          Leave a query empty to use the default. <code>{'{{selector}}'}</code> becomes the labels as matchers,{' '}
          <code>{'{{service}}'}</code> the name{effective ? '; the placeholder shows what runs now' : ''}.
        </p>
        {QUERY_FIELDS.map((f) => (
          <Field
            key={f.key}
            label={`${f.label} (${f.language})`}
            description={f.help}
            invalid={Boolean(errors[f.key])}
            error={errors[f.key]}
          >
            <TextArea
              id={`service-query-${f.key}`}
              rows={2}
              className={styles.mono}
              data-testid={`${ids.query} ${f.key}`}
              placeholder={effective?.[f.key] ?? 'Default'}
              value={values.queries[f.key]}
              onChange={(e) => setQuery(f.key, e.currentTarget.value)}
            />
          </Field>
        ))}
      </FieldSet>
      <Stack gap={1}>
        <Button type="submit" data-testid={ids.submit} disabled={isSubmitting} icon={isSubmitting ? 'spinner' : 'save'}>
          {service ? 'Save service' : 'Add service'}
        </Button>
        <Button type="button" variant="secondary" fill="outline" onClick={onCancel}>
          Cancel
        </Button>
      </Stack>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  mono: css({
    fontFamily: theme.typography.fontFamilyMonospace,
  }),
  queries: css({
    marginTop: theme.spacing(2),
  }),
  help: css({
    color: theme.colors.text.secondary,
  }),
});
