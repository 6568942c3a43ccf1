import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, Drawer, EmptyState, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { Service } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { ServiceForm } from './ServiceForm';
import { ServicesTable } from './ServicesTable';
import { useServices } from './useServices';

type Editing = { mode: 'create' } | { mode: 'edit'; service: Service } | null;

/** The service catalog: who owns what, how critical it is, the labels its telemetry carries, and its runbook. */
export function ServicesPage() {
  const styles = useStyles2(getStyles);
  const { state, reload } = useServices();
  const [editing, setEditing] = useState<Editing>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const onSaved = (service: Service) => {
    setSaved(editing?.mode === 'edit' ? `Saved ${service.name}` : `Added ${service.name}`);
    setEditing(null);
    reload();
  };
  const add = () => {
    setSaved(null);
    setEditing({ mode: 'create' });
  };

  return (
    <PluginPage>
      <div className={styles.page} data-testid={testIds.services.container}>
        <div className={styles.toolbar}>
          <Button icon="plus" onClick={add} data-testid={testIds.services.add}>
            Add service
          </Button>
        </div>
        {saved && (
          <Alert
            severity="success"
            title={saved}
            data-testid={testIds.services.savedNotice}
            onRemove={() => setSaved(null)}
          />
        )}
        {state.phase === 'loading' && <LoadingPlaceholder text="Loading services…" />}
        {state.phase === 'error' && (
          <ApiErrorAlert
            error={state.error}
            title="Could not load the service catalog"
            testId={testIds.services.pageError}
            onRetry={reload}
          />
        )}
        {state.phase === 'ready' && state.services.length === 0 && (
          <EmptyState
            variant="call-to-action"
            message="No services yet"
            button={
              <Button icon="plus" onClick={add}>
                Add service
              </Button>
            }
          >
            Services tie incidents, SLOs and telemetry together: their labels select the metrics, logs and traces the
            studio looks at.
          </EmptyState>
        )}
        {state.phase === 'ready' && state.services.length > 0 && (
          <ServicesTable services={state.services} onEdit={(service) => setEditing({ mode: 'edit', service })} />
        )}
      </div>
      {editing && (
        <Drawer
          title={editing.mode === 'edit' ? `Edit ${editing.service.name}` : 'Add a service'}
          size="md"
          onClose={() => setEditing(null)}
        >
          <ServiceForm
            service={editing.mode === 'edit' ? editing.service : undefined}
            onSaved={onSaved}
            onCancel={() => setEditing(null)}
          />
        </Drawer>
      )}
    </PluginPage>
  );
}

export default ServicesPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
  }),
  toolbar: css({
    display: 'flex',
    justifyContent: 'flex-end',
  }),
});
