import React, { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, Drawer, Stack, useStyles2 } from '@grafana/ui';
import type { Incident } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { DeclareIncidentForm } from './DeclareIncidentForm';
import { IncidentsList } from './IncidentsList';
import { DEFAULT_VIEW, parseView, serializeView, type IncidentView } from './filters';
import { IncidentsFilters } from './IncidentsFilters';
import { useLiveClient, useLiveStatus } from '../../api/liveHooks';
import { LiveBadge, LiveNotices } from './LiveStatus';
import { useIncidentList } from './useIncidentList';
import { useLiveIncidents } from './useLiveIncidents';
import { useServiceCatalog } from './useServiceCatalog';
import { useStatusChange } from './useStatusChange';

export function IncidentsPage() {
  const styles = useStyles2(getStyles);
  const [searchParams, setSearchParams] = useSearchParams();
  const view = parseView(searchParams);
  const list = useIncidentList(view);
  const catalog = useServiceCatalog();
  const live = useLiveClient();
  const liveStatus = useLiveStatus(live);
  useLiveIncidents(live, list);
  const statusChange = useStatusChange(list);
  const [isDeclaring, setIsDeclaring] = useState(false);
  const [declared, setDeclared] = useState<Incident | null>(null);

  // Every change of the view goes into the URL (replacing the entry while typing would flood history; a
  // filter change is a step Back should undo, so it pushes).
  const setView = useCallback(
    (next: IncidentView) => setSearchParams((params) => serializeView(next, params)),
    [setSearchParams]
  );

  const openDeclare = () => {
    setDeclared(null);
    setIsDeclaring(true);
  };

  const onDeclared = (incident: Incident) => {
    setIsDeclaring(false);
    setDeclared(incident);
    list.reload();
  };

  return (
    <PluginPage>
      <div className={styles.page} data-testid={testIds.incidents.container}>
        <div className={styles.toolbar}>
          <IncidentsFilters view={view} catalog={catalog} onChange={setView} />
          <div className={styles.actions}>
            <LiveBadge status={liveStatus} />
            <Button icon="fire" onClick={openDeclare} data-testid={testIds.incidents.declareButton}>
              Declare incident
            </Button>
          </div>
        </div>
        <Stack direction="column" gap={0}>
          <LiveNotices status={liveStatus} />
          {declared && (
            <Alert
              severity="success"
              title={`Declared ${declared.reference}: ${declared.title}`}
              data-testid={testIds.incidents.declaredNotice}
              onRemove={() => setDeclared(null)}
            />
          )}
          {statusChange.error && (
            <ApiErrorAlert
              error={statusChange.error.error}
              title={statusChange.error.title}
              testId={testIds.incidents.actionError}
              onDismiss={statusChange.dismissError}
            >
              {statusChange.error.hint && <div>{statusChange.error.hint}</div>}
            </ApiErrorAlert>
          )}
        </Stack>
        <IncidentsList
          list={list}
          view={view}
          onClearFilters={() => setView({ ...DEFAULT_VIEW, sort: view.sort })}
          pendingId={statusChange.pendingId}
          onChangeStatus={statusChange.changeStatus}
          onDeclare={openDeclare}
        />
      </div>
      {isDeclaring && (
        <Drawer title="Declare an incident" size="md" onClose={() => setIsDeclaring(false)}>
          <DeclareIncidentForm onDeclared={onDeclared} onCancel={() => setIsDeclaring(false)} />
        </Drawer>
      )}
    </PluginPage>
  );
}

export default IncidentsPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
  }),
  toolbar: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'flex-start',
    gap: theme.spacing(2),
  }),
  actions: css({
    flexShrink: 0,
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
  }),
});
