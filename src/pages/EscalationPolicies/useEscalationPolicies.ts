import { useCallback, useEffect, useMemo, useState } from 'react';
import { listServices } from '../../api/client';
import { listEscalationPolicies } from '../../api/escalation';
import { toApiError, type ApiError } from '../../api/errors';
import { useLiveClient, useLiveTopic } from '../../api/liveHooks';
import { listChannels } from '../../api/notifications';
import { getOnCall, listPeople, listSchedules } from '../../api/onCall';
import type { Channel, EscalationPolicy, OnCall, Person, Schedule, Service } from '../../api/types';
import type { PreviewLookups } from './preview';

export interface PoliciesState {
  phase: 'loading' | 'error' | 'ready';
  error: ApiError | null;
  policies: EscalationPolicy[];
  services: Service[];
  people: Person[];
  schedules: Schedule[];
  channels: Channel[];
  /** Names for the preview sentences; a schedule's on-call is as of the last load. */
  lookups: PreviewLookups;
  reload: () => void;
  upsertPolicy: (policy: EscalationPolicy) => void;
  removePolicy: (id: string) => void;
  upsertService: (service: Service) => void;
}

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));

/**
 * Policies with everything their steps and preview name: services, people, schedules (and who is on call in each
 * now) and channels. The `on-call` live topic carries policy, people and schedule changes, so it reloads on them.
 */
export function useEscalationPolicies(): PoliciesState {
  const [phase, setPhase] = useState<PoliciesState['phase']>('loading');
  const [error, setError] = useState<ApiError | null>(null);
  const [policies, setPolicies] = useState<EscalationPolicy[]>([]);
  const [services, setServices] = useState<Service[]>([]);
  const [people, setPeople] = useState<Person[]>([]);
  const [schedules, setSchedules] = useState<Schedule[]>([]);
  const [channels, setChannels] = useState<Channel[]>([]);
  const [onCall, setOnCall] = useState<OnCall[]>([]);
  const [reloads, setReloads] = useState(0);
  const reload = useCallback(() => setReloads((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    Promise.all([
      listEscalationPolicies({ signal }),
      listServices({ signal }),
      listPeople({ signal }),
      listSchedules({ signal }),
      listChannels({ signal }),
      getOnCall({}, { signal }),
    ]).then(
      ([p, s, pe, sc, c, o]) => {
        if (!signal.aborted) {
          setPolicies(p);
          setServices(s);
          setPeople(pe);
          setSchedules(sc);
          setChannels(c);
          setOnCall(o.items);
          setError(null);
          setPhase('ready');
        }
      },
      (e: unknown) => {
        if (!signal.aborted) {
          setError(toApiError(e));
          setPhase((current) => (current === 'ready' ? current : 'error'));
        }
      }
    );
    return () => controller.abort();
  }, [reloads]);

  useLiveTopic(useLiveClient(), 'on-call', { onEvent: reload, onResync: reload });

  const lookups = useMemo<PreviewLookups>(
    () => ({
      people: new Map(people.map((p) => [p.id, p.name])),
      channels: new Map(channels.map((c) => [c.id, c.name])),
      onCall: new Map(onCall.map((o) => [o.scheduleId, o])),
    }),
    [people, channels, onCall]
  );

  return {
    phase,
    error,
    policies,
    services,
    people,
    schedules,
    channels,
    lookups,
    reload,
    upsertPolicy: useCallback(
      (policy: EscalationPolicy) =>
        setPolicies((items) => byName([...items.filter((p) => p.id !== policy.id), policy])),
      []
    ),
    removePolicy: useCallback((id: string) => setPolicies((items) => items.filter((p) => p.id !== id)), []),
    upsertService: useCallback(
      (service: Service) => setServices((items) => items.map((s) => (s.id === service.id ? service : s))),
      []
    ),
  };
}
