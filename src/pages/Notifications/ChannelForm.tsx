import React, { useState, type FormEvent } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput, Switch, TextArea, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/errors';
import { createChannel, updateChannel } from '../../api/notifications';
import { CHANNEL_KINDS, type Channel, type ChannelKind } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import {
  createInput,
  draftOf,
  KIND_SPECS,
  missingFields,
  updateInput,
  type ChannelDraft,
  type SettingField,
} from './channelKinds';
import { ConflictAlert } from './ConflictAlert';
import { conflictCurrent, fieldErrorsFrom } from './formErrors';
import { FormActions } from '../../components/FormActions/FormActions';

const ids = testIds.channelForm;
const KIND_OPTIONS = CHANNEL_KINDS.map((kind) => ({ value: kind, label: KIND_SPECS[kind].label }));

/** details.current of a channel conflict is the stored row: secret names under `secretNames`. */
type StoredChannel = Omit<Channel, 'secretsSet'> & { secretNames?: string[]; secretsSet?: string[] };
const channelOf = (stored: StoredChannel): Channel => {
  const { secretNames, ...rest } = stored;
  return { ...rest, secretsSet: rest.secretsSet ?? secretNames ?? [] } as Channel;
};

interface Props {
  /** The channel to edit; absent: add one. */
  channel?: Channel;
  onSaved: (channel: Channel) => void;
  onCancel: () => void;
  /** A 403: the page goes read-only (true: the page shows why). */
  onRefused: (error: ApiError) => boolean;
}

/** Adds or edits a channel: its kind's settings as inputs, its secrets write-only ("configured", with Reset). */
export function ChannelForm({ channel: initial, onSaved, onCancel, onRefused }: Props) {
  const styles = useStyles2(getStyles);
  const [channel, setChannel] = useState(initial);
  const [draft, setDraft] = useState<ChannelDraft>(() => draftOf(initial));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<{ error: ApiError; rest: string[] } | null>(null);
  const [conflict, setConflict] = useState<Channel | null>(null);
  const [isSubmitting, setIsSubmitting] = useState(false);
  const spec = KIND_SPECS[draft.kind];
  const stored = channel?.secretsSet ?? [];

  const edit = (change: Partial<ChannelDraft>, field?: string) => {
    setDraft((d) => ({ ...d, ...change }));
    if (field) {
      setErrors((e) => (e[field] ? { ...e, [field]: '' } : e));
    }
  };
  const setSetting = (key: string, value: string) =>
    edit({ settings: { ...draft.settings, [key]: value } }, `settings.${key}`);
  const setSecret = (key: string, value: string) =>
    edit({ secrets: { ...draft.secrets, [key]: value } }, `secrets.${key}`);

  const save = async (against: Channel | undefined) => {
    const missing = missingFields(draft, against?.secretsSet ?? []);
    if (Object.keys(missing).length > 0) {
      setErrors(missing);
      return;
    }
    setIsSubmitting(true);
    setErrors({});
    setFormError(null);
    setConflict(null);
    try {
      onSaved(
        against ? await updateChannel(against.id, updateInput(draft, against)) : await createChannel(createInput(draft))
      );
    } catch (e) {
      const error = toApiError(e);
      const current = conflictCurrent<StoredChannel>(error);
      if (current) {
        setConflict(channelOf(current));
      } else {
        const keys = [
          'name',
          ...spec.settings.map((f) => `settings.${f.key}`),
          ...spec.secrets.map((f) => `secrets.${f.key}`),
        ];
        const { fields, rest } = fieldErrorsFrom(error, keys);
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
    void save(channel);
  };

  const settingInput = (field: SettingField) => {
    const common = {
      id: `channel-setting-${field.key}`,
      value: draft.settings[field.key] ?? '',
      placeholder: field.placeholder,
      'data-testid': `${ids.setting} ${field.key}`,
    };
    switch (field.type) {
      case 'select':
        return (
          <RadioButtonGroup
            id={common.id}
            options={field.options!.map((o) => ({ ...o }))}
            value={draft.settings[field.key]}
            onChange={(v) => setSetting(field.key, v)}
          />
        );
      case 'lines':
      case 'headers':
      case 'pem':
        return (
          <TextArea
            {...common}
            rows={field.type === 'pem' ? 6 : 3}
            onChange={(e) => setSetting(field.key, e.currentTarget.value)}
          />
        );
      default:
        return (
          <Input
            {...common}
            type={field.type === 'number' ? 'number' : 'text'}
            onChange={(e) => setSetting(field.key, e.currentTarget.value)}
          />
        );
    }
  };

  return (
    <form className={styles.form} onSubmit={onSubmit} data-testid={ids.form} noValidate>
      {conflict && (
        <ConflictAlert
          title={`Channel ${conflict.name} was changed by someone else`}
          retryLabel="Save my changes again"
          onRetry={() => {
            setChannel(conflict);
            void save(conflict);
          }}
          onKeepTheirs={() => {
            setChannel(conflict);
            setDraft(draftOf(conflict));
            setConflict(null);
          }}
          testId={ids.conflict}
          retryTestId={ids.conflictRetry}
        >
          <div>
            Your changes were not saved. It is now {conflict.muted ? 'muted' : 'not muted'}, secrets set:{' '}
            {conflict.secretsSet.length > 0 ? conflict.secretsSet.join(', ') : 'none'} (version {conflict.version}).
          </div>
        </ConflictAlert>
      )}
      {formError && (
        <ApiErrorAlert error={formError.error} title="The channel was not saved" testId={ids.error}>
          {formError.rest.length > 0 && (
            <ul>
              {formError.rest.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
        </ApiErrorAlert>
      )}
      <div>
        {!channel && (
          <Field label="Kind" description={spec.description}>
            <div data-testid={ids.kind}>
              <RadioButtonGroup<ChannelKind>
                id="channel-kind"
                options={KIND_OPTIONS}
                value={draft.kind}
                onChange={(kind) => setDraft((d) => ({ ...draftOf(undefined, kind), name: d.name, muted: d.muted }))}
              />
            </div>
          </Field>
        )}
        <Field label="Name" required invalid={Boolean(errors.name)} error={errors.name}>
          <Input
            id="channel-name"
            value={draft.name}
            placeholder="#payments-oncall"
            onChange={(e) => edit({ name: e.currentTarget.value }, 'name')}
            data-testid={ids.name}
          />
        </Field>
        <Field label="Muted" description="A muted channel is skipped by every rule; its deliveries are not written.">
          <Switch
            id="channel-muted"
            value={draft.muted}
            onChange={(e) => edit({ muted: e.currentTarget.checked })}
            data-testid={ids.muted}
          />
        </Field>
      </div>
      {spec.settings.length > 0 && (
        <FieldSet label={`${spec.label} settings`}>
          {spec.settings.map((field) => {
            const error = errors[`settings.${field.key}`];
            // RadioButtonGroup takes no test id: a wrapper carries it (outside the Field, which passes `invalid` down).
            return (
              <div key={field.key} data-testid={field.type === 'select' ? `${ids.setting} ${field.key}` : undefined}>
                <Field
                  label={field.label}
                  description={field.description}
                  required={field.isRequired}
                  invalid={Boolean(error)}
                  error={error}
                >
                  {settingInput(field)}
                </Field>
              </div>
            );
          })}
        </FieldSet>
      )}
      <FieldSet label="Secrets">
        <p className={styles.hint}>Stored encrypted and never shown again. Reset one to replace or remove it.</p>
        {spec.secrets.map((field) => {
          const error = errors[`secrets.${field.key}`];
          return (
            <Field
              key={field.key}
              label={field.label}
              description={field.description}
              required={field.isRequired}
              invalid={Boolean(error)}
              error={error}
            >
              <SecretInput
                id={`channel-secret-${field.key}`}
                data-testid={`${ids.secret} ${field.key}`}
                value={draft.secrets[field.key] ?? ''}
                placeholder={field.placeholder}
                isConfigured={stored.includes(field.key) && !draft.reset.includes(field.key)}
                onChange={(e) => setSecret(field.key, e.currentTarget.value)}
                onReset={() =>
                  edit({ reset: [...draft.reset, field.key], secrets: { ...draft.secrets, [field.key]: '' } })
                }
              />
            </Field>
          );
        })}
      </FieldSet>
      <FormActions
        submitLabel={channel ? 'Save channel' : 'Add channel'}
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
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
