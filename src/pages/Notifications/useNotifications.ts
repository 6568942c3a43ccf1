import { useCallback, useEffect, useState } from 'react';
import { listServices } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { listChannels, listDeliveries, listNotificationRules } from '../../api/notifications';
import type { Channel, NotificationRule, Service } from '../../api/types';

/** The most dead deliveries counted per channel; the table shows "200+" past it. */
export const DEAD_COUNT_LIMIT = 200;

export interface NotificationsState {
  phase: 'loading' | 'error' | 'ready';
  error: ApiError | null;
  channels: Channel[];
  rules: NotificationRule[];
  /** For the rule editor's pickers; empty when the catalog could not be loaded (the editor says so). */
  services: Service[];
  servicesError: ApiError | null;
  /** Deliveries given up on, per channel id (absent while counting or when the count failed). */
  deadCounts: Record<string, number>;
  reload: () => void;
  upsertChannel: (channel: Channel) => void;
  removeChannel: (id: string) => void;
  upsertRule: (rule: NotificationRule) => void;
  removeRule: (id: string) => void;
  recountDead: (channelId: string) => void;
}

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));
const upsert = <T extends { id: string; name: string }>(items: T[], item: T) =>
  byName([...items.filter((i) => i.id !== item.id), item]);

/** Channels, rules and the service catalog for the Notifications page; a reload keeps the tables on screen. */
export function useNotifications(): NotificationsState {
  const [phase, setPhase] = useState<NotificationsState['phase']>('loading');
  const [error, setError] = useState<ApiError | null>(null);
  const [channels, setChannels] = useState<Channel[]>([]);
  const [rules, setRules] = useState<NotificationRule[]>([]);
  const [services, setServices] = useState<Service[]>([]);
  const [servicesError, setServicesError] = useState<ApiError | null>(null);
  const [deadCounts, setDeadCounts] = useState<Record<string, number>>({});
  const [reloads, setReloads] = useState(0);

  const countDead = useCallback((channelId: string, signal?: AbortSignal) => {
    listDeliveries(channelId, { state: 'dead', limit: DEAD_COUNT_LIMIT }, { signal }).then(
      (items) => !signal?.aborted && setDeadCounts((counts) => ({ ...counts, [channelId]: items.length })),
      // The count is extra: the channel's deliveries drawer shows the error if the user looks.
      () => undefined
    );
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    Promise.all([listChannels({ signal }), listNotificationRules({ signal })]).then(
      ([c, r]) => {
        if (signal.aborted) {
          return;
        }
        setChannels(c);
        setRules(r);
        setError(null);
        setPhase('ready');
        c.forEach((channel) => countDead(channel.id, signal));
      },
      (e: unknown) => {
        if (!signal.aborted) {
          setError(toApiError(e));
          setPhase((p) => (p === 'ready' ? p : 'error'));
        }
      }
    );
    listServices({ signal }).then(
      (s) => !signal.aborted && (setServices(s), setServicesError(null)),
      (e: unknown) => !signal.aborted && setServicesError(toApiError(e))
    );
    return () => controller.abort();
  }, [reloads, countDead]);

  return {
    phase,
    error,
    channels,
    rules,
    services,
    servicesError,
    deadCounts,
    reload: useCallback(() => setReloads((n) => n + 1), []),
    upsertChannel: useCallback((c: Channel) => setChannels((items) => upsert(items, c)), []),
    removeChannel: useCallback((id: string) => {
      setChannels((items) => items.filter((c) => c.id !== id));
      // The sidecar takes a deleted channel out of every rule.
      setRules((items) => items.map((r) => ({ ...r, channelIds: r.channelIds.filter((c) => c !== id) })));
    }, []),
    upsertRule: useCallback((r: NotificationRule) => setRules((items) => upsert(items, r)), []),
    removeRule: useCallback((id: string) => setRules((items) => items.filter((r) => r.id !== id)), []),
    recountDead: useCallback((channelId: string) => countDead(channelId), [countDead]),
  };
}
