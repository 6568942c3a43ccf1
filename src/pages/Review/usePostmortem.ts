import { useCallback, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import { getPostmortem, savePostmortem } from '../../api/evidence';
import type { Postmortem, PostmortemEdits } from '../../api/types';
import { useResource } from '../WarRoom/useResource';

export interface PostmortemConflict {
  /** What someone else saved (the 409's details.current, or the reloaded postmortem). */
  theirs: PostmortemEdits;
  theirVersion: number;
}

export interface PostmortemState {
  postmortem: Postmortem | null;
  /** What the user is writing; starts from the stored edits. */
  draft: PostmortemEdits | null;
  setDraft: (draft: PostmortemEdits) => void;
  isDirty: boolean;
  error: ApiError | null;
  isSaving: boolean;
  savedAt: number | null;
  saveError: ApiError | null;
  conflict: PostmortemConflict | null;
  reload: () => void;
  save: () => Promise<void>;
  /** After a conflict: save the user's draft over the newer version. */
  overwrite: () => Promise<void>;
  /** After a conflict: drop the draft and take what was saved. */
  takeTheirs: () => void;
}

function isPostmortem(value: unknown): value is Postmortem {
  const v = value as Partial<Postmortem> | null;
  return typeof v === 'object' && v !== null && typeof v.version === 'number' && typeof v.edits === 'object';
}

const same = (a: PostmortemEdits, b: PostmortemEdits) => JSON.stringify(a) === JSON.stringify(b);

/** The review's postmortem: loads the draft, saves edits with the version seen, and handles someone else's save. */
export function usePostmortem(incidentId: string): PostmortemState {
  const stored = useResource((signal) => getPostmortem(incidentId, { signal }));
  const { value: postmortem, setValue: setPostmortem } = stored;
  // null until the user types: until then the draft is what is stored (and follows a reload).
  const [edited, setEdited] = useState<PostmortemEdits | null>(null);
  const [isSaving, setIsSaving] = useState(false);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [conflict, setConflict] = useState<PostmortemConflict | null>(null);
  const draft = edited ?? postmortem?.edits ?? null;

  const put = useCallback(
    async (version: number) => {
      if (!draft) {
        return;
      }
      setIsSaving(true);
      setSaveError(null);
      try {
        const saved = await savePostmortem(incidentId, { ...draft, version });
        setPostmortem(saved);
        setEdited(null);
        setConflict(null);
        setSavedAt(Date.now());
      } catch (e) {
        const err = toApiError(e);
        const current =
          err.code !== 'VERSION_CONFLICT'
            ? null
            : isPostmortem(err.details?.current)
              ? err.details.current
              : await getPostmortem(incidentId).catch(() => null);
        if (current) {
          setPostmortem(current);
          setEdited(draft);
          setConflict({ theirs: current.edits, theirVersion: current.version });
        } else {
          setSaveError(err);
        }
      } finally {
        setIsSaving(false);
      }
    },
    [draft, incidentId, setPostmortem]
  );

  return {
    postmortem,
    draft,
    setDraft: (next) => {
      setEdited(next);
      setSavedAt(null);
    },
    isDirty: Boolean(postmortem && draft && !same(postmortem.edits, draft)),
    error: stored.error,
    isSaving,
    savedAt,
    saveError,
    conflict,
    reload: stored.reload,
    save: () => put(postmortem?.version ?? 0),
    overwrite: () => put(conflict?.theirVersion ?? postmortem?.version ?? 0),
    takeTheirs: () => {
      setEdited(null);
      setConflict(null);
    },
  };
}
