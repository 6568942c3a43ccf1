import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, useStyles2 } from '@grafana/ui';
import { checkReady, verifyToken } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { HealthCheck, ReadyStatus } from '../../api/types';
import { ApiErrorAlert } from '../ApiErrorAlert/ApiErrorAlert';
import { isSidecarAuthError } from '../ApiErrorAlert/describeError';
import { testIds } from '../testIds';

type Result =
  | { kind: 'report'; report: ReadyStatus }
  | { kind: 'error'; error: ApiError }
  /** Ready, but the authenticated call failed (token refused, or another API error). */
  | { kind: 'tokenError'; report: ReadyStatus; error: ApiError };

interface Props {
  /** False when nothing is saved yet: the proxy would have no URL to call. */
  hasSavedUrl: boolean;
  /** True when the form differs from what is saved (the test would not use those edits). */
  hasUnsavedChanges: boolean;
}

const describeCheck = (name: string, check: HealthCheck) =>
  `${name}: ${check.status}, ${Math.round(check.latencyMs)} ms${check.error ? ` (${check.error})` : ''}`;

function ReportAlert({ report }: { report: ReadyStatus }) {
  const checks = Object.entries(report.checks).filter((e): e is [string, HealthCheck] => e[1] !== undefined);
  if (report.status === 'ready') {
    const db = report.checks.database;
    return (
      <Alert severity="success" title="Connected to the sidecar" data-testid={testIds.appConfig.testResult}>
        The sidecar is ready and accepted the token.
        {db && ` Database latency: ${Math.round(db.latencyMs)} ms.`}
      </Alert>
    );
  }
  const failing = checks.filter(([, c]) => c.status !== 'up');
  const isDatabaseDown = report.checks.database?.status === 'down';
  return (
    <Alert
      severity="error"
      title={isDatabaseDown ? 'The sidecar is up, but its database is down' : 'The sidecar is up, but not ready'}
      data-testid={testIds.appConfig.testResult}
    >
      {(failing.length > 0 ? failing : checks).map(([name, check]) => (
        <div key={name}>{describeCheck(name, check)}</div>
      ))}
    </Alert>
  );
}

/**
 * "Test connection": GET /health/ready, then an authenticated read to prove the token, both through Grafana's
 * proxy, which uses the SAVED settings.
 */
export function ConnectionTest({ hasSavedUrl, hasUnsavedChanges }: Props) {
  const styles = useStyles2(getStyles);
  const [isTesting, setIsTesting] = useState(false);
  const [result, setResult] = useState<Result | null>(null);

  const run = async () => {
    setIsTesting(true);
    setResult(null);
    try {
      const report = await checkReady();
      if (report.status !== 'ready') {
        setResult({ kind: 'report', report });
        return;
      }
      try {
        await verifyToken();
        setResult({ kind: 'report', report });
      } catch (e) {
        setResult({ kind: 'tokenError', report, error: toApiError(e) });
      }
    } catch (e) {
      setResult({ kind: 'error', error: toApiError(e) });
    } finally {
      setIsTesting(false);
    }
  };

  return (
    <Field
      label="Connection"
      description="Asks the sidecar whether it is ready, through Grafana's proxy. Grafana's proxy uses the saved settings, so save your changes before testing them."
    >
      <div>
        <Button
          variant="secondary"
          icon={isTesting ? 'spinner' : 'heart-rate'}
          disabled={isTesting || !hasSavedUrl}
          onClick={run}
          data-testid={testIds.appConfig.testConnection}
        >
          Test connection
        </Button>
        {!hasSavedUrl && <div className={styles.note}>Save a Sidecar URL first.</div>}
        {hasSavedUrl && hasUnsavedChanges && (
          <div className={styles.note}>You have unsaved changes: the test uses the saved settings, not this form.</div>
        )}
        {result && (
          <div className={styles.result}>
            {result.kind === 'report' ? (
              <ReportAlert report={result.report} />
            ) : (
              <ApiErrorAlert
                error={result.error}
                title={
                  result.kind === 'tokenError'
                    ? 'The sidecar is ready, but an API call failed'
                    : 'Connection test failed'
                }
                overrideTitle={isSidecarAuthError(result.error) ? 'The sidecar refused the token' : undefined}
                testId={testIds.appConfig.testResult}
              />
            )}
          </div>
        )}
      </div>
    </Field>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  note: css({
    marginTop: theme.spacing(1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  result: css({
    marginTop: theme.spacing(2),
  }),
});
