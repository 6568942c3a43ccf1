import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Input, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { HYPOTHESIS_STATUSES, type HypothesisStatus } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { HypothesisCard } from './HypothesisCard';
import type { HypothesesState } from './useHypotheses';

const COLUMN_TITLES: Record<HypothesisStatus, string> = { open: 'Open', confirmed: 'Confirmed', refuted: 'Refuted' };

/** The investigation board: what people think happened, and what they decided about it. */
export function HypothesesBoard({ hypotheses, canEdit }: { hypotheses: HypothesesState; canEdit: boolean }) {
  const styles = useStyles2(getStyles);
  const [statement, setStatement] = useState('');
  const [owner, setOwner] = useState('');
  const [isAdding, setIsAdding] = useState(false);
  const { conflict, actionError } = hypotheses;

  const add = async () => {
    if (!statement.trim()) {
      return;
    }
    setIsAdding(true);
    const ok = await hypotheses.add({ statement: statement.trim(), owner: owner.trim() || undefined });
    setIsAdding(false);
    if (ok) {
      setStatement('');
      setOwner('');
    }
  };

  return (
    <section
      className={styles.section}
      data-testid={testIds.hypotheses.board}
      aria-labelledby="warroom-hypotheses-heading"
    >
      <h3 id="warroom-hypotheses-heading">Hypotheses</h3>
      {canEdit && (
        <form
          className={styles.form}
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <Input
            aria-label="New hypothesis"
            placeholder="What might have caused it?"
            value={statement}
            onChange={(e) => setStatement(e.currentTarget.value)}
            data-testid={testIds.hypotheses.statementInput}
          />
          <Input
            aria-label="Owner of the new hypothesis"
            placeholder="Owner"
            width={16}
            value={owner}
            onChange={(e) => setOwner(e.currentTarget.value)}
            data-testid={testIds.hypotheses.ownerInput}
          />
          <Button
            type="submit"
            icon="plus"
            disabled={isAdding || !statement.trim()}
            data-testid={testIds.hypotheses.add}
          >
            Add
          </Button>
        </form>
      )}
      {conflict && (
        <Alert
          severity="warning"
          title="This hypothesis was changed by someone else"
          data-testid={testIds.hypotheses.conflict}
          onRemove={hypotheses.dismiss}
        >
          Your decision ({conflict.attempted}) was not saved.
          {conflict.current && (
            <>
              {' '}
              It is now <strong>{conflict.current.status}</strong>
              {conflict.current.decidedBy ? ` (by ${conflict.current.decidedBy})` : ''}. Decide again if still needed.
            </>
          )}
        </Alert>
      )}
      {actionError && (
        <ApiErrorAlert
          error={actionError.error}
          title={actionError.title}
          testId={testIds.hypotheses.error}
          onDismiss={hypotheses.dismiss}
        />
      )}
      {hypotheses.error && (
        <ApiErrorAlert error={hypotheses.error} title="Could not load the hypotheses" onRetry={hypotheses.reload} />
      )}
      {hypotheses.isLoading && <LoadingPlaceholder text="Loading the hypotheses…" />}
      {!hypotheses.isLoading && !hypotheses.error && (
        <div className={styles.columns}>
          {HYPOTHESIS_STATUSES.map((status) => {
            const items = hypotheses.items.filter((h) => h.status === status);
            return (
              <div key={status} className={styles.column}>
                <h4 className={styles.columnTitle}>
                  {COLUMN_TITLES[status]} ({items.length})
                </h4>
                {items.length === 0 ? (
                  <p className={styles.empty}>{status === 'open' ? 'No open hypotheses.' : `None ${status} yet.`}</p>
                ) : (
                  <ul className={styles.list} aria-label={`${COLUMN_TITLES[status]} hypotheses`}>
                    {items.map((h) => (
                      <HypothesisCard
                        key={h.id}
                        hypothesis={h}
                        canEdit={canEdit}
                        isPending={hypotheses.pendingId === h.id}
                        onDecide={(target, to, note) => void hypotheses.decide(target, to, note)}
                      />
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1.5) }),
  form: css({ display: 'flex', gap: theme.spacing(1) }),
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(16rem, 1fr))',
    gap: theme.spacing(2),
  }),
  column: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), minWidth: 0 }),
  columnTitle: css({ margin: 0, ...theme.typography.h5 }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  empty: css({ color: theme.colors.text.secondary, margin: 0 }),
});
