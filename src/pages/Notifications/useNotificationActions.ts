import { useCallback, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import {
  deleteChannel,
  deleteNotificationRule,
  testChannel,
  updateChannel,
  updateNotificationRule,
} from '../../api/notifications';
import type { Channel, NotificationRule } from '../../api/types';
import type { TestState } from './ChannelsTable';
import { conflictCurrent } from './formErrors';
import type { NotificationsState } from './useNotifications';
import type { WriteAccess } from '../../components/useWriteAccess';

/** A mute or unmute that met a newer version: what they have now, and the user's change to apply again. */
export interface MuteConflict {
  what: 'Channel' | 'Rule';
  name: string;
  isMutedNow: boolean;
  version: number;
  wantsMuted: boolean;
  retry: () => void;
}

export interface NotificationActions {
  tests: Record<string, TestState | undefined>;
  sendTest: (channel: Channel) => void;
  dismissTest: (channel: Channel) => void;
  pendingMute: string | null;
  toggleChannelMute: (channel: Channel) => void;
  toggleRuleMute: (rule: NotificationRule) => void;
  conflict: MuteConflict | null;
  /** The last failed change that was neither a conflict nor a refusal (403), with what it was. */
  actionError: { title: string; error: ApiError } | null;
  dismiss: () => void;
  /** Resolves true when deleted. */
  removeChannel: (channel: Channel) => Promise<boolean>;
  removeRule: (rule: NotificationRule) => Promise<boolean>;
}

/** The table actions of the Notifications page: test, mute and unmute (with version conflicts), delete. */
export function useNotificationActions(data: NotificationsState, access: WriteAccess): NotificationActions {
  const [tests, setTests] = useState<Record<string, TestState | undefined>>({});
  const [pendingMute, setPendingMute] = useState<string | null>(null);
  const [conflict, setConflict] = useState<MuteConflict | null>(null);
  const [actionError, setActionError] = useState<NotificationActions['actionError']>(null);
  const { upsertChannel, upsertRule, removeChannel: dropChannel, removeRule: dropRule } = data;
  const { noteRefusal } = access;

  const failed = useCallback(
    (title: string, e: unknown) => {
      const error = toApiError(e);
      if (!noteRefusal(error)) {
        setActionError({ title, error });
      }
    },
    [noteRefusal]
  );

  const sendTest = useCallback(
    (channel: Channel) => {
      setTests((t) => ({ ...t, [channel.id]: { phase: 'sending' } }));
      testChannel(channel.id).then(
        (result) => setTests((t) => ({ ...t, [channel.id]: { phase: 'done', result } })),
        (e: unknown) => {
          const error = toApiError(e);
          noteRefusal(error);
          setTests((t) => ({ ...t, [channel.id]: { phase: 'error', error } }));
        }
      );
    },
    [noteRefusal]
  );

  const toggleChannelMute = useCallback(
    function mute(channel: Channel, wantsMuted = !channel.muted) {
      setPendingMute(channel.id);
      setConflict(null);
      setActionError(null);
      updateChannel(channel.id, { version: channel.version, muted: wantsMuted })
        .then(upsertChannel, (e: unknown) => {
          const error = toApiError(e);
          const current = conflictCurrent<Channel>(error);
          if (!current) {
            return failed(`${channel.name} was not ${wantsMuted ? 'muted' : 'unmuted'}`, error);
          }
          const now = { ...channel, name: current.name, muted: current.muted, version: current.version };
          upsertChannel(now);
          setConflict({
            what: 'Channel',
            name: current.name,
            isMutedNow: current.muted,
            version: current.version,
            wantsMuted,
            retry: () => mute(now, wantsMuted),
          });
        })
        .finally(() => setPendingMute(null));
    },
    [upsertChannel, failed]
  );

  const toggleRuleMute = useCallback(
    function mute(rule: NotificationRule, wantsMuted = !rule.muted) {
      setPendingMute(rule.id);
      setConflict(null);
      setActionError(null);
      updateNotificationRule(rule.id, { version: rule.version, muted: wantsMuted })
        .then(upsertRule, (e: unknown) => {
          const error = toApiError(e);
          const current = conflictCurrent<NotificationRule>(error);
          if (!current) {
            return failed(`${rule.name} was not ${wantsMuted ? 'muted' : 'unmuted'}`, error);
          }
          // The rule as it is now is the whole wire rule: show it.
          upsertRule(current);
          setConflict({
            what: 'Rule',
            name: current.name,
            isMutedNow: current.muted,
            version: current.version,
            wantsMuted,
            retry: () => mute(current, wantsMuted),
          });
        })
        .finally(() => setPendingMute(null));
    },
    [upsertRule, failed]
  );

  const removeChannel = useCallback(
    async (channel: Channel) => {
      try {
        await deleteChannel(channel.id);
        dropChannel(channel.id);
        return true;
      } catch (e) {
        failed(`${channel.name} was not deleted`, e);
        return false;
      }
    },
    [dropChannel, failed]
  );

  const removeRule = useCallback(
    async (rule: NotificationRule) => {
      try {
        await deleteNotificationRule(rule.id);
        dropRule(rule.id);
        return true;
      } catch (e) {
        failed(`${rule.name} was not deleted`, e);
        return false;
      }
    },
    [dropRule, failed]
  );

  return {
    tests,
    sendTest,
    dismissTest: useCallback((channel: Channel) => setTests((t) => ({ ...t, [channel.id]: undefined })), []),
    pendingMute,
    toggleChannelMute: useCallback((channel: Channel) => toggleChannelMute(channel), [toggleChannelMute]),
    toggleRuleMute: useCallback((rule: NotificationRule) => toggleRuleMute(rule), [toggleRuleMute]),
    conflict,
    actionError,
    dismiss: useCallback(() => {
      setConflict(null);
      setActionError(null);
    }, []),
    removeChannel,
    removeRule,
  };
}
