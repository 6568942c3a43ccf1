import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, Dropdown, Menu, Tooltip, useStyles2 } from '@grafana/ui';
import type { OnCall, OnCallSegment, OnCallShift, Person } from '../../api/types';
import { testIds } from '../../components/testIds';
import { formatUserTime } from '../../components/userTime';
import { ScheduleTimeline } from './ScheduleTimeline';
import { DAY_MS, HOUR_MS, TIMELINE_DAYS } from './timelineLayout';
import { useScheduleTimeline } from './useScheduleTimeline';

const ids = testIds.onCall;
const WHEN = 'ddd D MMM HH:mm';
const TAKE_HOURS = [1, 4, 12];

interface Props {
  onCall: OnCall;
  me: Person | null;
  /** Each person's place in the people list, for their colour on the timelines. */
  personOrder: Map<string, number>;
  refreshKey: number;
  isReadOnly: boolean;
  isPending: boolean;
  onTakePager: (onCall: OnCall, until: number) => void;
  /** Opens the cover form, prefilled with a shift when one was clicked. */
  onCover: (onCall: OnCall, shift?: OnCallShift) => void;
}

const REASONS: Record<OnCallSegment['reason']['kind'], string> = {
  layer: 'rotation',
  override: 'override',
  gap: 'gap',
};

/** One schedule: who is on call now and next, the pager controls, and two weeks of shifts. */
export function ScheduleCard({
  onCall,
  me,
  personOrder,
  refreshKey,
  isReadOnly,
  isPending,
  onTakePager,
  onCover,
}: Props) {
  const styles = useStyles2(getStyles);
  const timeline = useScheduleTimeline(onCall.scheduleId, refreshKey);
  const { current, next } = onCall;
  const isGap = current.personId === null;
  const handOff = Date.parse(current.end);
  const hasHandOffSoon =
    !isGap && current.personId !== me?.id && handOff - Date.parse(onCall.at) < TIMELINE_DAYS * DAY_MS;

  const takeMenu = (
    <Menu>
      {TAKE_HOURS.map((hours) => (
        <Menu.Item
          key={hours}
          label={`For ${hours} hour${hours === 1 ? '' : 's'}`}
          onClick={() => onTakePager(onCall, Date.now() + hours * HOUR_MS)}
        />
      ))}
      {(hasHandOffSoon || isGap) && (
        <Menu.Item
          label={`Until ${isGap ? 'the gap ends' : 'the hand-off'} (${formatUserTime(handOff, WHEN)})`}
          onClick={() => onTakePager(onCall, handOff)}
        />
      )}
    </Menu>
  );

  return (
    <section
      className={styles.card}
      aria-label={onCall.scheduleName}
      data-testid={ids.schedule}
      data-schedule-id={onCall.scheduleId}
      data-schedule-name={onCall.scheduleName}
    >
      <div className={styles.top}>
        <h3 className={styles.name}>{onCall.scheduleName}</h3>
        {!isReadOnly && (
          <div className={styles.actions}>
            {me ? (
              <Dropdown overlay={takeMenu} placement="bottom-end">
                <Button
                  size="sm"
                  icon={isPending ? 'spinner' : 'bell'}
                  disabled={isPending}
                  data-testid={ids.takePager}
                >
                  Take the pager
                </Button>
              </Dropdown>
            ) : (
              <Tooltip content="Your Grafana login is not among the on-call people: ask an admin to add you.">
                <span data-testid={ids.notAPerson}>
                  <Button size="sm" icon="bell" disabled>
                    Take the pager
                  </Button>
                </span>
              </Tooltip>
            )}
            <Button
              size="sm"
              variant="secondary"
              icon="user"
              disabled={isPending}
              onClick={() => onCover(onCall)}
              data-testid={ids.coverFor}
            >
              Cover for…
            </Button>
          </div>
        )}
      </div>
      <div className={styles.who}>
        <div data-testid={ids.now} data-person-id={current.personId ?? ''}>
          <span className={styles.caption}>On call now</span>
          {isGap ? (
            <strong className={styles.gap}>Nobody</strong>
          ) : (
            <strong className={styles.person}>{current.personName ?? 'Unknown person'}</strong>
          )}
          <span className={styles.secondary}>
            {isGap ? 'until' : `${REASONS[current.reason.kind]}, until`} {formatUserTime(current.end, WHEN)}
          </span>
          {current.personId !== null && current.personId === me?.id && <Badge color="blue" text="You" />}
        </div>
        <div data-testid={ids.next} data-person-id={next?.personId ?? ''}>
          <span className={styles.caption}>Next</span>
          {!next ? (
            <span className={styles.secondary}>No change in the next 120 days</span>
          ) : (
            <>
              {next.personId === null ? (
                <strong className={styles.gap}>Nobody (gap)</strong>
              ) : (
                <strong className={styles.person}>{next.personName ?? 'Unknown person'}</strong>
              )}
              <span className={styles.secondary}>from {formatUserTime(next.start, WHEN)}</span>
            </>
          )}
        </div>
      </div>
      <ScheduleTimeline
        state={timeline}
        personOrder={personOrder}
        onCoverShift={isReadOnly ? undefined : (shift) => onCover(onCall, shift)}
      />
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1.5),
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
  }),
  top: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: theme.spacing(2) }),
  name: css({ margin: 0, ...theme.typography.h4 }),
  actions: css({ display: 'flex', gap: theme.spacing(1) }),
  who: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(4),
    '> div': { display: 'flex', alignItems: 'baseline', gap: theme.spacing(1) },
  }),
  caption: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  person: css({ fontSize: theme.typography.h4.fontSize }),
  gap: css({ fontSize: theme.typography.h4.fontSize, color: theme.colors.error.text }),
  secondary: css({ color: theme.colors.text.secondary }),
});
