import React, { useCallback, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, EmptyState, LoadingPlaceholder, Modal, useStyles2 } from '@grafana/ui';
import type { GapWarning, OnCall, OnCallShift } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { useWriteAccess } from '../../components/useWriteAccess';
import { formatUserTime } from '../../components/userTime';
import { CoverForm, type CoverDefaults } from './CoverForm';
import { ScheduleCard } from './ScheduleCard';
import { TestPage } from './TestPage';
import { GAP_WARNING_HOURS, useOnCall } from './useOnCall';
import { useTakePager } from './useTakePager';

const ids = testIds.onCall;
const WHEN = 'ddd D MMM HH:mm';

/** Warnings grouped by schedule, soonest first: a nightly gap would otherwise fill the page with one line a night. */
function gapsBySchedule(warnings: GapWarning[]): Array<[GapWarning, ...GapWarning[]]> {
  const groups = new Map<string, [GapWarning, ...GapWarning[]]>();
  for (const w of [...warnings].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const group = groups.get(w.scheduleId);
    if (group) {
      group.push(w);
    } else {
      groups.set(w.scheduleId, [w]);
    }
  }
  return [...groups.values()];
}

type Covering = { onCall: OnCall; defaults: CoverDefaults } | null;

/** Who is on call now and next per schedule, gaps ahead, two weeks of shifts, and taking or covering the pager. */
export function OnCallPage() {
  const styles = useStyles2(getStyles);
  const data = useOnCall();
  const access = useWriteAccess();
  const [done, setDone] = useState<string | null>(null);
  const [covering, setCovering] = useState<Covering>(null);
  const { reload } = data;
  const onDone = useCallback(
    (message: string) => {
      setDone(message);
      reload();
    },
    [reload]
  );
  const takePager = useTakePager(data.me, access, onDone);
  const { isReadOnly } = access;
  const personOrder = useMemo(() => new Map(data.people.map((p, i) => [p.id, i])), [data.people]);

  const openCover = (onCall: OnCall, shift?: OnCallShift) => {
    const now = Date.now();
    // Without a clicked shift: from now until the current on-call's hand-off, the usual "cover me for a bit".
    const start = shift ? Math.max(Date.parse(shift.start), now) : now;
    const end = shift ? Date.parse(shift.end) : Date.parse(onCall.current.end);
    setCovering({
      onCall,
      defaults: {
        personId: data.me?.id ?? null,
        start,
        end: end > start ? end : start + 3_600_000,
        covering: shift?.personName ?? (shift ? null : onCall.current.personName),
      },
    });
  };

  const warnings = data.overview?.warnings ?? [];
  return (
    <PluginPage>
      <div className={styles.page} data-testid={ids.container}>
        {isReadOnly && (
          <Alert severity="info" title="Read only" data-testid={ids.readOnly}>
            {access.refusal
              ? `Taking the pager was refused: ${access.refusal.message}`
              : 'Your role can see who is on call but not take the pager or cover for someone.'}
          </Alert>
        )}
        {data.error && (
          <ApiErrorAlert
            error={data.error}
            title="Could not load who is on call"
            testId={ids.pageError}
            onRetry={data.reload}
          />
        )}
        {data.phase === 'loading' && <LoadingPlaceholder text="Loading who is on call…" />}
        {takePager.error && (
          <ApiErrorAlert
            error={takePager.error}
            title="The pager was not taken"
            testId={ids.actionError}
            onDismiss={takePager.dismiss}
          />
        )}
        {done && (
          <Alert severity="success" title="Done" data-testid={ids.actionDone} onRemove={() => setDone(null)}>
            {done}
          </Alert>
        )}
        {data.me && !isReadOnly && <TestPage me={data.me} />}
        {warnings.length > 0 && (
          <Alert
            severity="warning"
            title={`Nobody on call: ${warnings.length} gap${warnings.length === 1 ? '' : 's'} in the next ${GAP_WARNING_HOURS / 24} days`}
            data-testid={ids.gapWarnings}
          >
            <ul className={styles.gaps}>
              {gapsBySchedule(warnings).map(([first, ...more]) => (
                <li key={first.scheduleId} data-testid={ids.gapWarning} data-schedule-id={first.scheduleId}>
                  <strong>{first.scheduleName}</strong>: nobody from {formatUserTime(first.start, WHEN)} to{' '}
                  {formatUserTime(first.end, WHEN)}
                  {more.length > 0 && `, and ${more.length} more gap${more.length === 1 ? '' : 's'} after it`}
                </li>
              ))}
            </ul>
            {!isReadOnly && 'Take the pager or cover the gap from the schedule below.'}
          </Alert>
        )}
        {data.phase === 'ready' && data.overview?.items.length === 0 && (
          <div data-testid={ids.empty}>
            <EmptyState variant="call-to-action" message="No schedules yet">
              A schedule says who is on call when: layers of rotations, with overrides on top. Add people and schedules
              through the API or import a calendar (POST /api/schedules/import).
            </EmptyState>
          </div>
        )}
        {data.overview?.items.map((onCall) => (
          <ScheduleCard
            key={onCall.scheduleId}
            onCall={onCall}
            me={data.me}
            personOrder={personOrder}
            refreshKey={data.refreshKey}
            isReadOnly={isReadOnly}
            isPending={takePager.pendingId === onCall.scheduleId}
            onTakePager={(o, until) => void takePager.take(o, until)}
            onCover={openCover}
          />
        ))}
      </div>
      {covering && (
        <Modal title={`Cover in ${covering.onCall.scheduleName}`} isOpen onDismiss={() => setCovering(null)}>
          <CoverForm
            scheduleId={covering.onCall.scheduleId}
            people={data.people}
            defaults={covering.defaults}
            onSaved={(override) => {
              const who = data.people.find((p) => p.id === override.personId)?.name ?? 'They';
              setCovering(null);
              onDone(`${who} covers ${covering.onCall.scheduleName} until ${formatUserTime(override.end, WHEN)}`);
            }}
            onCancel={() => setCovering(null)}
            onRefused={(error) => {
              const isHandled = access.noteRefusal(error);
              if (isHandled) {
                setCovering(null);
              }
              return isHandled;
            }}
          />
        </Modal>
      )}
    </PluginPage>
  );
}

export default OnCallPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  gaps: css({ margin: theme.spacing(0, 0, 1, 2) }),
});
