import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, Input, TextArea, useStyles2 } from '@grafana/ui';
import { createEscalationPolicy, updateEscalationPolicy } from '../../api/escalation';
import { toApiError, type ApiError } from '../../api/errors';
import type { EscalationPolicy, EscalationStep } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { FormActions } from '../../components/FormActions/FormActions';
import { testIds } from '../../components/testIds';
import { previewSentence, type PreviewLookups } from './preview';
import { StepEditor, type TargetOptions } from './StepEditor';
import { emptyStep, fromDraft, parseWait, toDraft, type StepDraft } from './stepDraft';

const ids = testIds.policyForm;
const MAX_STEPS = 20;
const MAX_REPEAT = 10;

interface Props {
  policy?: EscalationPolicy;
  options: TargetOptions;
  lookups: PreviewLookups;
  onSaved: (policy: EscalationPolicy) => void;
  onCancel: () => void;
  /** A failed save: true when the page handled it (a 403 turns it read only). */
  onRefused: (error: ApiError) => boolean;
}

function stepProblem(draft: StepDraft): string | null {
  if (!draft.targetId) {
    return `Pick ${draft.kind === 'schedule' ? 'a schedule' : draft.kind === 'person' ? 'a person' : 'a channel'}`;
  }
  return parseWait(draft.wait) === null ? 'The wait must be a number of minutes from 0 to 1440' : null;
}

/** Adds or edits a policy: its steps in order, how often it repeats, and what it would do if paged now. */
export function PolicyForm({ policy, options, lookups, onSaved, onCancel, onRefused }: Props) {
  const styles = useStyles2(getStyles);
  const [name, setName] = useState(policy?.name ?? '');
  const [description, setDescription] = useState(policy?.description ?? '');
  const [steps, setSteps] = useState<StepDraft[]>(() => (policy ? policy.steps.map(toDraft) : [emptyStep()]));
  const [repeat, setRepeat] = useState(String(policy?.repeat ?? 0));
  const [isChecked, setIsChecked] = useState(false);
  const [isSubmitting, setIsSubmitting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const valid = steps.map(fromDraft);
  const repeatCount = Number(repeat);
  const repeatProblem =
    !Number.isInteger(repeatCount) || repeatCount < 0 || repeatCount > MAX_REPEAT
      ? `A whole number from 0 to ${MAX_REPEAT}`
      : repeatCount > 0 && valid.every((s) => !s || s.waitMinutes === 0)
        ? 'A repeated policy needs a step that waits'
        : null;
  const ready = valid.filter((s): s is EscalationStep => s !== null);
  const preview = useMemo(
    () => previewSentence({ steps: ready, repeat: repeatProblem ? 0 : repeatCount }, lookups),
    [ready, repeatProblem, repeatCount, lookups]
  );

  const change = (index: number, step: StepDraft) => setSteps((all) => all.map((s, i) => (i === index ? step : s)));
  const move = (index: number, by: -1 | 1) =>
    setSteps((all) => {
      const next = [...all];
      [next[index], next[index + by]] = [next[index + by]!, next[index]!];
      return next;
    });

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setIsChecked(true);
    if (!name.trim() || valid.some((s) => s === null) || repeatProblem) {
      return;
    }
    setIsSubmitting(true);
    setError(null);
    const fields = { name: name.trim(), description, steps: ready, repeat: repeatCount };
    try {
      onSaved(
        policy
          ? await updateEscalationPolicy(policy.id, { version: policy.version, ...fields })
          : await createEscalationPolicy(fields)
      );
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
    <form className={styles.form} onSubmit={(e) => void submit(e)} data-testid={ids.form}>
      <Field label="Name" invalid={isChecked && !name.trim()} error="A name is required">
        <Input
          id="policy-name"
          data-testid={ids.name}
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.currentTarget.value)}
        />
      </Field>
      <Field label="Description" description="Optional: when this policy is the right one">
        <TextArea
          id="policy-description"
          data-testid={ids.description}
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
      </Field>
      <fieldset className={styles.steps}>
        <legend>Steps, in the order they fire</legend>
        <ol className={styles.list}>
          {steps.map((step, index) => (
            <StepEditor
              key={index}
              index={index}
              count={steps.length}
              step={step}
              options={options}
              problem={isChecked ? stepProblem(step) : null}
              onChange={(s) => change(index, s)}
              onMove={(by) => move(index, by)}
              onRemove={() => setSteps((all) => all.filter((_, i) => i !== index))}
            />
          ))}
        </ol>
        <Button
          variant="secondary"
          icon="plus"
          size="sm"
          disabled={steps.length >= MAX_STEPS}
          onClick={() => setSteps((all) => [...all, emptyStep()])}
          data-testid={ids.addStep}
        >
          Add step
        </Button>
      </fieldset>
      <Field
        label="Repeat"
        description="How many more times the steps run after the last one, while nobody acknowledges"
        invalid={Boolean(repeatProblem)}
        error={repeatProblem}
      >
        <Input
          id="policy-repeat"
          data-testid={ids.repeat}
          width={8}
          inputMode="numeric"
          value={repeat}
          onChange={(e) => setRepeat(e.currentTarget.value)}
        />
      </Field>
      <div className={styles.preview} data-testid={ids.preview}>
        {preview}
      </div>
      {error && <ApiErrorAlert error={error} title="The policy was not saved" testId={ids.error} />}
      <FormActions
        submitLabel={policy ? 'Save policy' : 'Add policy'}
        isSubmitting={isSubmitting}
        onCancel={onCancel}
        submitTestId={ids.submit}
        cancelTestId={ids.cancel}
      />
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  steps: css({
    border: 'none',
    padding: 0,
    margin: theme.spacing(0, 0, 2),
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    legend: { ...theme.typography.h5, marginBottom: theme.spacing(1) },
  }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    alignSelf: 'stretch',
  }),
  preview: css({
    padding: theme.spacing(1.5),
    marginBottom: theme.spacing(2),
    borderLeft: `3px solid ${theme.colors.primary.border}`,
    background: theme.colors.background.secondary,
  }),
});
