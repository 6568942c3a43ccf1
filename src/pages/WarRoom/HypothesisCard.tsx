import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Button, Input, Stack, useStyles2 } from '@grafana/ui';
import type { Hypothesis, HypothesisStatus } from '../../api/types';
import { testIds } from '../../components/testIds';
import { formatTime, HYPOTHESIS_COLORS } from './format';

interface Props {
  hypothesis: Hypothesis;
  canEdit: boolean;
  isPending: boolean;
  onDecide: (hypothesis: Hypothesis, status: HypothesisStatus, note?: string) => void;
}

/** One hypothesis: the statement, who owns it, its evidence, and the decision (with an optional note). */
export function HypothesisCard({ hypothesis: h, canEdit, isPending, onDecide }: Props) {
  const styles = useStyles2(getStyles);
  const [deciding, setDeciding] = useState<'confirmed' | 'refuted' | null>(null);
  const [note, setNote] = useState('');

  const record = () => {
    if (deciding) {
      onDecide(h, deciding, note.trim() || undefined);
      setDeciding(null);
      setNote('');
    }
  };

  return (
    <li
      className={styles.card}
      data-testid={testIds.hypotheses.card}
      data-hypothesis-id={h.id}
      data-status={h.status}
      data-origin={h.origin}
    >
      <div className={styles.top}>
        <Badge color={HYPOTHESIS_COLORS[h.status]} text={h.status} />
        {h.origin === 'suggested' && (
          <Badge
            color="purple"
            icon="ai-sparkle"
            text="Suggested"
            tooltip="Written by the correlation engine from its top findings"
          />
        )}
      </div>
      <div className={styles.statement}>{h.statement}</div>
      <div className={styles.meta}>
        {h.owner ? `Owner: ${h.owner}` : 'No owner'} · added by {h.createdBy}
        {h.decidedBy && h.decidedAt && ` · ${h.status} by ${h.decidedBy} at ${formatTime(h.decidedAt)}`}
      </div>
      {h.decisionNote && <div className={styles.note}>“{h.decisionNote}”</div>}
      {h.evidence.length > 0 && (
        <ul className={styles.evidence} aria-label="Evidence">
          {h.evidence.map((e, i) => (
            <li key={i}>{e.url ? <a href={e.url}>{e.label}</a> : e.label}</li>
          ))}
        </ul>
      )}
      {canEdit && deciding === null && (
        <Stack gap={1}>
          {h.status === 'open' ? (
            <>
              <Button
                size="sm"
                variant="success"
                icon="check"
                disabled={isPending}
                onClick={() => setDeciding('confirmed')}
                data-testid={testIds.hypotheses.confirm}
              >
                Confirm
              </Button>
              <Button
                size="sm"
                variant="secondary"
                icon="times"
                disabled={isPending}
                onClick={() => setDeciding('refuted')}
                data-testid={testIds.hypotheses.refute}
              >
                Refute
              </Button>
            </>
          ) : (
            <Button
              size="sm"
              variant="secondary"
              fill="text"
              disabled={isPending}
              onClick={() => onDecide(h, 'open')}
              data-testid={testIds.hypotheses.reopen}
            >
              Reopen
            </Button>
          )}
        </Stack>
      )}
      {deciding !== null && (
        <form
          className={styles.decide}
          onSubmit={(e) => {
            e.preventDefault();
            record();
          }}
        >
          <Input
            aria-label={`Note for the decision (optional)`}
            placeholder="Why? (optional)"
            value={note}
            autoFocus
            onChange={(e) => setNote(e.currentTarget.value)}
            data-testid={testIds.hypotheses.decisionNote}
          />
          <Button
            type="submit"
            size="sm"
            variant={deciding === 'confirmed' ? 'success' : 'primary'}
            data-testid={testIds.hypotheses.decide}
          >
            {deciding === 'confirmed' ? 'Confirm' : 'Refute'}
          </Button>
          <Button type="button" size="sm" variant="secondary" fill="text" onClick={() => setDeciding(null)}>
            Cancel
          </Button>
        </form>
      )}
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.75),
    padding: theme.spacing(1.5),
    border: `thin solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
  }),
  top: css({ display: 'flex', gap: theme.spacing(1) }),
  statement: css({ fontWeight: theme.typography.fontWeightMedium, overflowWrap: 'anywhere' }),
  meta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  note: css({ fontStyle: 'italic', color: theme.colors.text.secondary }),
  evidence: css({ margin: 0, paddingLeft: theme.spacing(2), fontSize: theme.typography.bodySmall.fontSize }),
  decide: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center' }),
});
