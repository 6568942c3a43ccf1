import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Combobox, IconButton, Input, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import type { EscalationTargetKind, Urgency } from '../../api/types';
import { testIds } from '../../components/testIds';
import type { StepDraft } from './stepDraft';

const ids = testIds.policyForm;

const KIND_OPTIONS: Array<{ label: string; value: EscalationTargetKind }> = [
  { label: 'On-call of', value: 'schedule' },
  { label: 'Person', value: 'person' },
  { label: 'Channel', value: 'channel' },
];
const URGENCY_OPTIONS: Array<{ label: string; value: Urgency; description: string }> = [
  { label: 'High', value: 'high', description: 'Rings: ntfy priority 5, a Slack mention' },
  { label: 'Low', value: 'low', description: 'A quiet notification' },
];

export type TargetOptions = Record<EscalationTargetKind, Array<{ label: string; value: string }>>;

interface Props {
  index: number;
  count: number;
  step: StepDraft;
  options: TargetOptions;
  /** Shown under the step: a missing target or a wait that is not a number. */
  problem: string | null;
  onChange: (step: StepDraft) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}

/** One step: whom to page (a schedule's on-call, a person or a channel), how urgently, then how long to wait. */
export function StepEditor({ index, count, step, options, problem, onChange, onMove, onRemove }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <li className={styles.step} data-testid={ids.step} data-step-index={index}>
      <div className={styles.line}>
        <span className={styles.number}>{index + 1}</span>
        <span id={`step-${index}-page`}>Page</span>
        <div data-testid={ids.stepKind}>
          <RadioButtonGroup
            size="sm"
            options={KIND_OPTIONS}
            value={step.kind}
            onChange={(kind) => onChange({ ...step, kind, targetId: null })}
          />
        </div>
        <Combobox<string>
          id={`step-${index}-target`}
          aria-labelledby={`step-${index}-page`}
          data-testid={ids.stepTarget}
          width={28}
          placeholder={
            step.kind === 'schedule' ? 'Pick a schedule' : step.kind === 'person' ? 'Pick a person' : 'Pick a channel'
          }
          options={options[step.kind]}
          value={step.targetId}
          onChange={(option) => onChange({ ...step, targetId: option.value })}
        />
        <div className={styles.actions}>
          <IconButton name="arrow-up" tooltip="Move up" disabled={index === 0} onClick={() => onMove(-1)} />
          <IconButton name="arrow-down" tooltip="Move down" disabled={index === count - 1} onClick={() => onMove(1)} />
          <IconButton
            name="trash-alt"
            tooltip="Remove step"
            disabled={count === 1}
            onClick={onRemove}
            data-testid={ids.removeStep}
          />
        </div>
      </div>
      <div className={styles.line}>
        <span className={styles.number} />
        <span>Urgency</span>
        <div data-testid={ids.stepUrgency}>
          <RadioButtonGroup
            size="sm"
            options={URGENCY_OPTIONS}
            value={step.urgency}
            onChange={(urgency) => onChange({ ...step, urgency })}
          />
        </div>
        <label htmlFor={`step-${index}-wait`}>
          {index === count - 1 ? 'then, before repeating, wait' : 'then wait'}
        </label>
        <Input
          id={`step-${index}-wait`}
          data-testid={ids.stepWait}
          width={8}
          inputMode="decimal"
          value={step.wait}
          invalid={problem !== null && problem.includes('wait')}
          onChange={(e) => onChange({ ...step, wait: e.currentTarget.value })}
        />
        <span>min</span>
      </div>
      {problem && <div className={styles.problem}>{problem}</div>}
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  step: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    padding: theme.spacing(1.5),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  line: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' }),
  number: css({
    width: theme.spacing(3),
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.secondary,
  }),
  actions: css({ display: 'flex', gap: theme.spacing(0.5), marginLeft: 'auto' }),
  problem: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize }),
});
