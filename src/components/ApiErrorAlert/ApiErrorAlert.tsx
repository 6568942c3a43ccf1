import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, useStyles2 } from '@grafana/ui';
import type { ApiError } from '../../api/errors';
import { errorTitle, isSidecarAuthError } from './describeError';

interface Props {
  error: ApiError;
  /** Title when the error is not about reaching or authenticating to the sidecar. */
  title: string;
  /** Title to use whatever the error is. */
  overrideTitle?: string;
  testId?: string;
  onRetry?: () => void;
  onDismiss?: () => void;
  children?: React.ReactNode;
}

/** An inline error: what went wrong, the code and request id (to find the sidecar's log line), and what to do. */
export function ApiErrorAlert({ error, title, overrideTitle, testId, onRetry, onDismiss, children }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <Alert severity="error" title={overrideTitle ?? errorTitle(error, title)} data-testid={testId} onRemove={onDismiss}>
      <div>{error.message}</div>
      {isSidecarAuthError(error) && (
        <div>Check the Sidecar token in the app&apos;s configuration: the sidecar did not accept it.</div>
      )}
      {children}
      <div className={styles.meta}>
        Code <code>{error.code}</code>
        {error.status > 0 && <> · HTTP {error.status}</>}
        {error.requestId && (
          <>
            {' '}
            · Request id <code>{error.requestId}</code>
          </>
        )}
      </div>
      {onRetry && (
        <Button className={styles.retry} size="sm" variant="secondary" icon="sync" onClick={onRetry}>
          Retry
        </Button>
      )}
    </Alert>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  meta: css({
    marginTop: theme.spacing(1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  retry: css({
    marginTop: theme.spacing(1),
  }),
});
