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
import { StatusFilter } from './StatusFilter';
import {
  DEFAULT_STATUS_FILTER,
  parseStatusFilter,
  STATUS_FILTER_PARAM,
  statusesFor,
  type StatusFilterValue,
} from './statusFilter';
import { useLiveClient, useLiveStatus } from '../../api/liveHooks';
import { LiveBadge, LiveNotices } from './LiveStatus';
import { useIncidentList } from './useIncidentList';
import { useLiveIncidents } from './useLiveIncidents';
import { useStatusChange } from './useStatusChange';

export function IncidentsPage() {
  const styles = useStyles2(getStyles);
  const [searchParams, setSearchParams] = useSearchParams();
  const filter = parseStatusFilter(searchParams.get(STATUS_FILTER_PARAM));
  const list = useIncidentList(statusesFor(filter));
  const live = useLiveClient();
  const liveStatus = useLiveStatus(live);
  useLiveIncidents(live, list);
  const statusChange = useStatusChange(list);
  const [isDeclaring, setIsDeclaring] = useState(false);
  const [declared, setDeclared] = useState<Incident | null>(null);

  const setFilter = useCallback(
    (value: StatusFilterValue) => {
      setSearchParams((params) => {
        const next = new URLSearchParams(params);
        if (value === DEFAULT_STATUS_FILTER) {
          next.delete(STATUS_FILTER_PARAM);
        } else {
          next.set(STATUS_FILTER_PARAM, value);
        }
        return next;
      });
    },
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
          <StatusFilter value={filter} onChange={setFilter} />
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
          filter={filter}
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
    flexWrap: 'wrap',
    justifyContent: 'space-between',
    alignItems: 'center',
    gap: theme.spacing(2),
  }),
  actions: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
  }),
});
