import React, { useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, useStyles2, type BadgeColor } from '@grafana/ui';
import { escalateNow } from '../../api/escalation';
import { toApiError, type ApiError } from '../../api/errors';
import type {
  EscalationPage,
  EscalationState as EscalationStatus,
  FiredEscalationStep,
  Incident,
  TimelineEvent,
} from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { formatUserTime } from '../../components/userTime';
import { Acknowledgement } from './Acknowledgement';
import type { EscalationState } from './useEscalation';

const ids = testIds.paging;
const TIME = 'HH:mm:ss';

const STATES: Record<EscalationStatus, { text: string; color: BadgeColor }> = {
  active: { text: 'Active', color: 'red' },
  acknowledged: { text: 'Acknowledged', color: 'green' },
  resolved: { text: 'Stopped: resolved', color: 'blue' },
  exhausted: { text: 'Nobody answered', color: 'orange' },
};
const PAGE_STATES: Record<EscalationPage['state'], { text: string; color: BadgeColor }> = {
  pending: { text: 'Sending', color: 'blue' },
  sending: { text: 'Sending', color: 'blue' },
  delivered: { text: 'Delivered', color: 'green' },
  failed: { text: 'Retrying', color: 'orange' },
  dead: { text: 'Not delivered', color: 'red' },
};
const TRIGGERS: Record<FiredEscalationStep['trigger'], string> = {
  start: 'started',
  timer: 'after the wait',
  escalate_now: 'escalated now',
};

interface Props {
  paging: EscalationState;
  incident: Incident;
  events: TimelineEvent[];
  canEdit: boolean;
  onAcknowledged: (incident: Incident) => void;
}

/** Whom a step paged: a schedule's on-call at the time, a person, or a channel. */
function targetLabel(step: FiredEscalationStep): string {
  const { target } = step;
  const name = target.name ?? `a deleted ${target.kind}`;
  if (target.kind === 'schedule') {
    return `${target.personName ?? 'nobody'} (on call in ${name})`;
  }
  return name;
}

/** How a page went out: "sam by email (sam@example.com)", or "#payments (slack)" for a channel step. */
function pageLabel(page: EscalationPage): string {
  if (!page.recipient) {
    return `${page.channelName} (${page.channelKind})`;
  }
  return `${page.recipient.name} by ${page.recipient.kind} (${page.recipient.target}) through ${page.channelName}`;
}

/** The incident's paging: who was paged, when, through what, delivered or not, who acknowledged; escalate now. */
export function PagingPanel({ paging, incident, events, canEdit, onAcknowledged }: Props) {
  const styles = useStyles2(getStyles);
  const [isEscalating, setIsEscalating] = useState(false);
  const [escalateError, setEscalateError] = useState<ApiError | null>(null);
  const { escalation } = paging;

  const escalate = async () => {
    setIsEscalating(true);
    setEscalateError(null);
    try {
      paging.apply(await escalateNow(incident.id));
    } catch (e) {
      const error = toApiError(e);
      setEscalateError(error);
      // Someone acknowledged or it ran out meanwhile: show how it stands now.
      if (error.code === 'ESCALATION_NOT_ACTIVE') {
        paging.reload();
      }
    } finally {
      setIsEscalating(false);
    }
  };

  const state = escalation?.state ?? 'none';
  return (
    <section className={styles.panel} aria-labelledby="paging-heading" data-testid={ids.panel} data-state={state}>
      <div className={styles.heading}>
        <h3 id="paging-heading">Paging</h3>
        {escalation && (
          <>
            <Badge color={STATES[escalation.state].color} text={STATES[escalation.state].text} />
            <span className={styles.secondary}>policy {escalation.policyName}</span>
          </>
        )}
      </div>
      {paging.error && (
        <ApiErrorAlert
          error={paging.error}
          title="Could not load who was paged"
          testId={ids.error}
          onRetry={paging.reload}
        />
      )}
      {paging.hasNone && (
        <p className={styles.secondary} data-testid={ids.empty}>
          Nobody was paged for this incident: its services name no escalation policy.
        </p>
      )}
      {escalation && (
        <>
          <ol className={styles.steps}>
            {escalation.steps.map((step) => (
              <li
                key={step.id}
                className={styles.step}
                data-testid={ids.step}
                data-step={step.step}
                data-pass={step.pass}
                data-trigger={step.trigger}
              >
                <div className={styles.stepLine}>
                  <time dateTime={step.firedAt} title={dateTimeFormat(step.firedAt)} className={styles.time}>
                    {formatUserTime(step.firedAt, TIME)}
                  </time>
                  <span>
                    Step {step.step + 1}
                    {step.pass > 0 && ` (repeat ${step.pass})`}: <strong>{targetLabel(step)}</strong>
                  </span>
                  <Badge color={step.urgency === 'high' ? 'red' : 'darkgrey'} text={`${step.urgency} urgency`} />
                  <span className={styles.secondary}>
                    {TRIGGERS[step.trigger]}
                    {step.trigger === 'escalate_now' && ` by ${step.firedBy}`}
                  </span>
                </div>
                {step.problem && <div className={styles.problem}>Nobody paged: {step.problem}</div>}
                {step.pages.length > 0 && (
                  <ul className={styles.pages}>
                    {step.pages.map((page) => (
                      <li key={page.deliveryId} data-testid={ids.page} data-state={page.state}>
                        <Badge color={PAGE_STATES[page.state].color} text={PAGE_STATES[page.state].text} />{' '}
                        {pageLabel(page)}
                        {page.deliveredAt && (
                          <span className={styles.secondary}> at {formatUserTime(page.deliveredAt, TIME)}</span>
                        )}
                        {page.lastError && page.state !== 'delivered' && (
                          <span className={styles.problem}> · {page.lastError}</span>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
          {escalation.state === 'active' && escalation.nextStepAt && (
            <div data-testid={ids.nextStep}>
              Step {escalation.step + 1} of {escalation.totalSteps}
              {escalation.pass > 0 && ` (repeat ${escalation.pass} of ${escalation.repeat})`} fires at{' '}
              <time dateTime={escalation.nextStepAt}>{formatUserTime(escalation.nextStepAt, TIME)}</time> unless someone
              acknowledges.
            </div>
          )}
          {escalation.state !== 'active' && escalation.stoppedAt && (
            <div className={styles.secondary}>
              {escalation.state === 'acknowledged' ? 'Acknowledged' : 'Stopped'}
              {escalation.stoppedBy && ` by ${escalation.stoppedBy}`} at {formatUserTime(escalation.stoppedAt, TIME)}:
              no more pages.
            </div>
          )}
          <div className={styles.actions}>
            {/* The one Acknowledge button while someone is paged (the header shows the state only, then). */}
            {canEdit && !incident.acknowledgedAt && incident.status !== 'resolved' && (
              <Acknowledgement incident={incident} events={events} canEdit onAcknowledged={onAcknowledged} />
            )}
            {canEdit && escalation.state === 'active' && (
              <Button
                size="sm"
                variant="destructive"
                icon={isEscalating ? 'spinner' : 'arrow-up'}
                disabled={isEscalating}
                onClick={() => void escalate()}
                data-testid={ids.escalateNow}
              >
                Escalate now
              </Button>
            )}
          </div>
          {escalateError && (
            <ApiErrorAlert
              error={escalateError}
              title="Did not escalate"
              testId={ids.escalateError}
              onDismiss={() => setEscalateError(null)}
            />
          )}
        </>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  heading: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), h3: { margin: 0 } }),
  steps: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  step: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  stepLine: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' }),
  time: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.secondary }),
  pages: css({
    listStyle: 'none',
    margin: theme.spacing(0, 0, 0, 9),
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
  problem: css({ color: theme.colors.error.text }),
  actions: css({ display: 'flex', alignItems: 'flex-start', gap: theme.spacing(2), flexWrap: 'wrap' }),
  secondary: css({ color: theme.colors.text.secondary }),
});
