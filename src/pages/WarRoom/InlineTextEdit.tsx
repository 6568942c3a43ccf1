import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, IconButton, Input, useStyles2 } from '@grafana/ui';
import { testIds } from '../../components/testIds';

interface Props {
  /** What is edited, for labels ("title", "commander"). */
  label: string;
  value: string;
  /** Shown in place of an empty value. */
  placeholder?: string;
  isPending: boolean;
  canEdit: boolean;
  /** Resolves true to close the editor (saved, or kept by a conflict notice), false to keep it open (failed). */
  onSave: (value: string) => Promise<boolean>;
  valueTestId: string;
  editTestId: string;
  inputTestId: string;
  children: (value: string) => React.ReactNode;
}

/** Shows a value with an edit button; editing swaps it for an input with Save and Cancel (Enter, Escape). */
export function InlineTextEdit(props: Props) {
  const { label, value, placeholder, isPending, canEdit, onSave, valueTestId, editTestId, inputTestId, children } =
    props;
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState<string | null>(null);

  if (draft === null) {
    return (
      <span className={styles.row}>
        <span data-testid={valueTestId}>{value ? children(value) : <em>{placeholder}</em>}</span>
        {canEdit && (
          <IconButton
            name="pen"
            size="sm"
            aria-label={`Edit ${label}`}
            tooltip={`Edit ${label}`}
            data-testid={editTestId}
            onClick={() => setDraft(value)}
          />
        )}
      </span>
    );
  }

  const submit = async () => {
    if (draft.trim() === value) {
      setDraft(null);
      return;
    }
    if (await onSave(draft.trim())) {
      setDraft(null);
    }
  };

  return (
    <form
      className={styles.row}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Input
        aria-label={label}
        value={draft}
        autoFocus
        width={40}
        data-testid={inputTestId}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Escape' && setDraft(null)}
      />
      <Button
        type="submit"
        size="sm"
        disabled={isPending}
        icon={isPending ? 'spinner' : undefined}
        data-testid={testIds.warRoom.saveEdit}
      >
        Save
      </Button>
      <Button type="button" size="sm" variant="secondary" fill="text" onClick={() => setDraft(null)}>
        Cancel
      </Button>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' }),
});
