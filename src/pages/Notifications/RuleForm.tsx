import React, { useMemo, useState, type FormEvent } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Field, Input, MultiCombobox, Switch, TextArea, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/errors';
import { createNotificationRule, updateNotificationRule } from '../../api/notifications';
import {
  RULE_EVENTS,
  SEVERITIES,
  type Channel,
  type NotificationRule,
  type NotificationRuleInput,
  type RuleEvent,
  type Service,
  type Severity,
} from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { CheckboxGroup } from '../../components/CheckboxGroup/CheckboxGroup';
import { testIds } from '../../components/testIds';
import { ConflictAlert } from './ConflictAlert';
import { conflictCurrent, fieldErrorsFrom } from './formErrors';
import { NOTIFICATION_EVENT_LABELS as EVENT_LABELS } from '../../components/notificationLabels';
import { severityName } from './ruleFormat';
import { FormActions } from '../../components/FormActions/FormActions';

const ids = testIds.ruleForm;
const FIELDS = ['name', 'events', 'severities', 'services', 'teams', 'labels', 'channelIds'] as const;

interface Draft {
  name: string;
  events: RuleEvent[];
  severities: Severity[];
  services: string[];
  teams: string[];
  /** One `name=value` a line. */
  labels: string;
  channelIds: string[];
  muted: boolean;
}

const isRuleEvent = (e: string): e is RuleEvent => (RULE_EVENTS as readonly string[]).includes(e);

function draftOf(rule?: NotificationRule): Draft {
  return {
    name: rule?.name ?? '',
    events: rule ? rule.events.filter(isRuleEvent) : ['declared', 'resolved'],
    severities: rule?.severities ?? [],
    services: rule?.services ?? [],
    teams: rule?.teams ?? [],
    labels: Object.entries(rule?.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    channelIds: rule?.channelIds ?? [],
    muted: rule?.muted ?? false,
  };
}

/** The draft as the API takes it, or what the user must fix first. */
function inputOf(draft: Draft): { input: NotificationRuleInput } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const labels: Record<string, string> = {};
  for (const line of draft.labels
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = line.indexOf('=');
    if (at <= 0) {
      errors.labels = `"${line}" is not name=value`;
    } else {
      labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  if (!draft.name.trim()) {
    errors.name = 'A name is required';
  }
  if (draft.events.length === 0) {
    errors.events = 'Pick at least one event';
  }
  if (draft.channelIds.length === 0) {
    errors.channelIds = 'Pick at least one channel';
  }
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  const { labels: _text, ...rest } = draft;
  return { input: { ...rest, name: draft.name.trim(), labels } };
}

interface Props {
  rule?: NotificationRule;
  channels: Channel[];
  services: Service[];
  servicesError: ApiError | null;
  onSaved: (rule: NotificationRule) => void;
  onCancel: () => void;
  onRefused: (error: ApiError) => boolean;
}

/** Adds or edits a rule: which incident events, for which incidents (all filters must match), to which channels. */
export function RuleForm({ rule: initial, channels, services, servicesError, onSaved, onCancel, onRefused }: Props) {
  const styles = useStyles2(getStyles);
  const [rule, setRule] = useState(initial);
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<{ error: ApiError; rest: string[] } | null>(null);
  const [conflict, setConflict] = useState<NotificationRule | null>(null);
  const [isSubmitting, setIsSubmitting] = useState(false);

  const serviceOptions = useMemo(
    () =>
      [...new Set([...services.map((s) => s.name), ...draft.services])].map((name) => ({
        value: name,
        label: name,
        description: services.find((s) => s.name === name)?.team ?? undefined,
      })),
    [services, draft.services]
  );
  const teamOptions = useMemo(
    () =>
      [...new Set([...services.map((s) => s.team).filter((t): t is string => Boolean(t)), ...draft.teams])]
        .sort()
        .map((team) => ({ value: team, label: team })),
    [services, draft.teams]
  );
  const channelName = (id: string) => channels.find((c) => c.id === id)?.name ?? 'a deleted channel';

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setErrors((e) => (e[key] ? { ...e, [key]: '' } : e));
  };

  const save = async (against: NotificationRule | undefined) => {
    const built = inputOf(draft);
    if ('errors' in built) {
      setErrors(built.errors);
      return;
    }
    setIsSubmitting(true);
    setErrors({});
    setFormError(null);
    setConflict(null);
    try {
      onSaved(
        against
          ? await updateNotificationRule(against.id, { ...built.input, version: against.version })
          : await createNotificationRule(built.input)
      );
    } catch (e) {
      const error = toApiError(e);
      const current = conflictCurrent<NotificationRule>(error);
      if (current) {
        setConflict(current);
      } else {
        const { fields, rest } = fieldErrorsFrom(error, FIELDS);
        setErrors(fields);
        onRefused(error);
        if (Object.keys(fields).length === 0 || rest.length > 0) {
          setFormError({ error, rest });
        }
      }
    } finally {
      setIsSubmitting(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void save(rule);
  };

  return (
    <form className={styles.form} onSubmit={onSubmit} data-testid={ids.form} noValidate>
      {conflict && (
        <ConflictAlert
          title={`Rule ${conflict.name} was changed by someone else`}
          retryLabel="Save my changes again"
          onRetry={() => {
            setRule(conflict);
            void save(conflict);
          }}
          onKeepTheirs={() => {
            setRule(conflict);
            setDraft(draftOf(conflict));
            setConflict(null);
          }}
          testId={ids.conflict}
          retryTestId={ids.conflictRetry}
        >
          <div>
            Your changes were not saved. It now sends {conflict.events.map((e) => EVENT_LABELS[e] ?? e).join(', ')} to{' '}
            {conflict.channelIds.map(channelName).join(', ')}
            {conflict.muted ? ', and is muted' : ''} (version {conflict.version}).
          </div>
        </ConflictAlert>
      )}
      {formError && (
        <ApiErrorAlert error={formError.error} title="The rule was not saved" testId={ids.error}>
          {formError.rest.length > 0 && (
            <ul>
              {formError.rest.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
        </ApiErrorAlert>
      )}
      <Field label="Name" required invalid={Boolean(errors.name)} error={errors.name}>
        <Input
          id="rule-name"
          value={draft.name}
          placeholder="Page payments on-call"
          onChange={(e) => set('name', e.currentTarget.value)}
          data-testid={ids.name}
        />
      </Field>
      <Field invalid={Boolean(errors.events)} error={errors.events}>
        <CheckboxGroup<RuleEvent>
          legend="Events"
          options={RULE_EVENTS}
          labelOf={(e) => EVENT_LABELS[e]}
          value={draft.events}
          onChange={(v) => set('events', v)}
          data-testid={ids.events}
        />
      </Field>
      <Field invalid={Boolean(errors.severities)} error={errors.severities}>
        <CheckboxGroup<Severity>
          legend="Severities (none checked: every severity)"
          options={SEVERITIES}
          labelOf={severityName}
          value={draft.severities}
          onChange={(v) => set('severities', v)}
          data-testid={ids.severities}
        />
      </Field>
      <Field
        label="Services"
        description={
          servicesError
            ? `The service catalog could not be loaded (${servicesError.message}); the services already chosen stay.`
            : 'Any of them impacted; none: every service.'
        }
        invalid={Boolean(errors.services)}
        error={errors.services}
      >
        <MultiCombobox<string>
          id="rule-services"
          data-testid={ids.services}
          options={serviceOptions}
          value={draft.services}
          placeholder="Every service"
          onChange={(selected) =>
            set(
              'services',
              selected.map((o) => o.value)
            )
          }
        />
      </Field>
      <Field
        label="Teams"
        description="The owning team of any impacted service; none: every team. Type a team the catalog does not list yet to add it."
        invalid={Boolean(errors.teams)}
        error={errors.teams}
      >
        <MultiCombobox<string>
          id="rule-teams"
          data-testid={ids.teams}
          options={teamOptions}
          value={draft.teams}
          createCustomValue
          placeholder="Every team"
          onChange={(selected) =>
            set(
              'teams',
              selected.map((o) => o.value)
            )
          }
        />
      </Field>
      <Field
        label="Labels"
        description="One name=value a line; the incident must carry every one."
        invalid={Boolean(errors.labels)}
        error={errors.labels}
      >
        <TextArea
          id="rule-labels"
          rows={2}
          value={draft.labels}
          placeholder="env=prod"
          onChange={(e) => set('labels', e.currentTarget.value)}
          data-testid={ids.labels}
        />
      </Field>
      <Field invalid={Boolean(errors.channelIds)} error={errors.channelIds}>
        {channels.length > 0 ? (
          <CheckboxGroup<string>
            legend="Channels"
            options={channels.map((c) => c.id)}
            labelOf={channelName}
            value={draft.channelIds}
            onChange={(v) => set('channelIds', v)}
            data-testid={ids.channels}
          />
        ) : (
          <p className={styles.secondary}>Add a channel first: a rule sends to at least one.</p>
        )}
      </Field>
      <Field label="Muted" description="A muted rule sends nothing until unmuted.">
        <Switch
          id="rule-muted"
          value={draft.muted}
          onChange={(e) => set('muted', e.currentTarget.checked)}
          data-testid={ids.muted}
        />
      </Field>
      <FormActions
        submitLabel={rule ? 'Save rule' : 'Add rule'}
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
  secondary: css({ color: theme.colors.text.secondary }),
});
