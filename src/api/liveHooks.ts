import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import { usePluginContext } from '@grafana/data';
import type { LiveClient, LiveEvent, LiveStatus, LiveTopic } from './live';
import { liveUrlFor, sharedLiveClient, type LiveSettings } from './liveConnection';

const OFF: LiveStatus = { state: 'off', recoveredAt: null, lastError: null };

/** The app's shared live client, or null when the settings give no live URL (or outside the app, e.g. in tests). */
export function useLiveClient(): LiveClient | null {
  const context = usePluginContext<LiveSettings>();
  const url = liveUrlFor(context?.meta.jsonData);
  return url ? sharedLiveClient(url) : null;
}

/** The live link's status, re-rendering on every change. */
export function useLiveStatus(client: LiveClient | null): LiveStatus {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const stop = client?.onStatus(onChange);
      return () => {
        stop?.();
      };
    },
    [client]
  );
  return useSyncExternalStore(subscribe, () => client?.status ?? OFF);
}

export interface TopicHandlers {
  onEvent(event: LiveEvent): void;
  onResync?(): void;
}

/**
 * Follows `topic` while the component is mounted. The handlers may change on every render: the latest ones are
 * called, without re-subscribing.
 */
export function useLiveTopic(client: LiveClient | null, topic: LiveTopic | null, handlers: TopicHandlers): void {
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });
  useEffect(() => {
    if (!client || !topic) {
      return;
    }
    return client.subscribe(topic, {
      onEvent: (event) => latest.current.onEvent(event),
      onResync: () => latest.current.onResync?.(),
    });
  }, [client, topic]);
}
