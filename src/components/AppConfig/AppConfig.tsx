import React, { useState, type FormEvent } from 'react';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { Alert, Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';
import { liveUrlFor } from '../../api/liveConnection';
import { ConnectionTest } from './ConnectionTest';
import { DatasourceUidField } from './DatasourceUidField';
import {
  DATASOURCE_FIELDS,
  type DatasourceKey,
  grafanaErrorMessage,
  liveUrlProblem,
  normalizeSidecarUrl,
  page,
  saveSettings,
  sidecarUrlProblem,
  type AppJsonData,
} from './settings';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppJsonData>> {}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const savedUrl = jsonData?.sidecarUrl ?? '';
  const [sidecarUrl, setSidecarUrl] = useState(savedUrl);
  const [isUrlTouched, setIsUrlTouched] = useState(false);
  const savedLiveUrl = jsonData?.liveUrl ?? '';
  const [liveUrl, setLiveUrl] = useState(savedLiveUrl);
  const savedUids = Object.fromEntries(DATASOURCE_FIELDS.map((f) => [f.key, jsonData?.[f.key] ?? ''])) as Record<
    DatasourceKey,
    string
  >;
  const [uids, setUids] = useState(savedUids);
  const [token, setToken] = useState('');
  // Grafana never sends the token back, only whether one is stored.
  const [isTokenConfigured, setIsTokenConfigured] = useState(Boolean(secureJsonFields?.sidecarToken));
  const [isSaving, setIsSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);

  const urlProblem = sidecarUrlProblem(sidecarUrl);
  const liveProblem = liveUrlProblem(liveUrl);
  const isTokenMissing = !isTokenConfigured && token.trim() === '';
  const hasUnsavedChanges =
    normalizeSidecarUrl(sidecarUrl) !== savedUrl ||
    liveUrl.trim() !== savedLiveUrl ||
    DATASOURCE_FIELDS.some((f) => uids[f.key].trim() !== savedUids[f.key]) ||
    token !== '' ||
    isTokenConfigured !== Boolean(secureJsonFields?.sidecarToken);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setIsUrlTouched(true);
    if (urlProblem || liveProblem || isTokenMissing) {
      return;
    }
    setIsSaving(true);
    setSaveError(null);
    try {
      await saveSettings({
        enabled,
        pinned,
        jsonData: {
          ...jsonData,
          sidecarUrl: normalizeSidecarUrl(sidecarUrl),
          liveUrl: liveUrl.trim() || undefined,
          ...Object.fromEntries(DATASOURCE_FIELDS.map((f) => [f.key, uids[f.key].trim() || undefined])),
        },
        // Sending no secureJsonData keeps the stored token; a new value replaces it.
        secureJsonData: token.trim() ? { sidecarToken: token.trim() } : undefined,
      });
      page.reload();
    } catch (e) {
      setSaveError(grafanaErrorMessage(e));
      setIsSaving(false);
    }
  };

  return (
    <div data-testid={testIds.appConfig.container}>
      <form onSubmit={onSubmit} noValidate>
        <FieldSet label="Sidecar">
          <Field
            label="Sidecar URL"
            description="Where Grafana's server reaches the Reliability Studio sidecar (not the browser: requests go through Grafana's plugin proxy)."
            required
            invalid={isUrlTouched && Boolean(urlProblem)}
            error={isUrlTouched ? urlProblem : undefined}
          >
            <Input
              id="config-sidecar-url"
              width={60}
              data-testid={testIds.appConfig.sidecarUrl}
              value={sidecarUrl}
              placeholder="http://reliability-sidecar:9000"
              onChange={(e) => setSidecarUrl(e.currentTarget.value)}
              onBlur={() => setIsUrlTouched(true)}
            />
          </Field>
          <Field
            label="Live URL"
            description="Optional. Where browsers open the live feed (the sidecar's /live): WebSockets do not go through Grafana's proxy, so this is the sidecar's public address. Empty: the Sidecar URL with ws:// and /live."
            invalid={isUrlTouched && Boolean(liveProblem)}
            error={isUrlTouched ? liveProblem : undefined}
          >
            <Input
              id="config-live-url"
              width={60}
              data-testid={testIds.appConfig.liveUrl}
              value={liveUrl}
              placeholder={liveUrlFor({ sidecarUrl }) ?? 'wss://studio.example.com/live'}
              onChange={(e) => setLiveUrl(e.currentTarget.value)}
              onBlur={() => setIsUrlTouched(true)}
            />
          </Field>
          <Field
            label="Sidecar token"
            description="Sent by Grafana's proxy as a Bearer token on every call. Stored encrypted by Grafana and never sent back to browsers; Reset to replace it."
            required
            invalid={isUrlTouched && isTokenMissing}
            error={isUrlTouched && isTokenMissing ? 'Enter the token the sidecar expects.' : undefined}
          >
            <SecretInput
              id="config-sidecar-token"
              width={60}
              data-testid={testIds.appConfig.sidecarToken}
              value={token}
              isConfigured={isTokenConfigured}
              placeholder="Token from the sidecar's configuration"
              onChange={(e) => setToken(e.currentTarget.value)}
              onReset={() => {
                setToken('');
                setIsTokenConfigured(false);
              }}
            />
          </Field>
        </FieldSet>
        <FieldSet label="Explore links">
          {DATASOURCE_FIELDS.map((f) => (
            <DatasourceUidField
              key={f.key}
              type={f.type}
              label={f.label}
              description={`The ${f.label} datasource that "Open in Explore" links of evidence open (optional).`}
              value={uids[f.key]}
              testId={testIds.appConfig.datasource[f.type]}
              onChange={(uid) => setUids((u) => ({ ...u, [f.key]: uid }))}
            />
          ))}
          {saveError && (
            <Alert severity="error" title="Could not save the settings" data-testid={testIds.appConfig.saveError}>
              {saveError}
            </Alert>
          )}
          <Button
            type="submit"
            data-testid={testIds.appConfig.save}
            disabled={isSaving}
            icon={isSaving ? 'spinner' : undefined}
          >
            Save settings
          </Button>
        </FieldSet>
      </form>
      <FieldSet label="Check" className={styles.check}>
        <ConnectionTest hasSavedUrl={savedUrl !== ''} hasUnsavedChanges={hasUnsavedChanges} />
      </FieldSet>
    </div>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  check: css({
    marginTop: theme.spacing(4),
  }),
});
