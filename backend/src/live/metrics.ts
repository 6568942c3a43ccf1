import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The live feed's series (README lists them): names are a contract with dashboards, rename only with them. */
export interface LiveMetrics {
  connections: Gauge;
  subscriptions: Gauge;
  eventsRead: Counter;
  eventsSent: Counter;
  dispatchDelay: Histogram;
  slowConsumerCloses: Counter;
  deadPeers: Counter;
  replays: Counter;
  replayedEvents: Counter;
  resyncs: Counter<'reason'>;
  refusals: Counter<'reason'>;
  clientErrors: Counter<'code'>;
  gapsAbandoned: Counter;
}

// Seconds from the writing transaction's start to this replica handing the event out; a burst queues behind itself.
const DELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Registers the live feed's metrics in the app's registry, so /metrics shows them with the rest. */
export function createLiveMetrics(registry: Registry): LiveMetrics {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'live_connections', help: 'Open live WebSocket connections on this replica.', registers }),
    subscriptions: new Gauge({ name: 'live_subscriptions', help: 'Topic subscriptions held by open connections.', registers }),
    eventsRead: new Counter({
      name: 'live_outbox_events_total',
      help: 'Outbox events this replica read and handed to its subscribers (once each, whatever the audience).',
      registers,
    }),
    eventsSent: new Counter({
      name: 'live_events_sent_total',
      help: 'Event messages written to clients as they happened (one per event per subscribed client).',
      registers,
    }),
    dispatchDelay: new Histogram({
      name: 'live_dispatch_delay_seconds',
      help: 'From the start of the transaction that wrote an event to this replica sending it to its clients.',
      buckets: DELAY_BUCKETS,
      registers,
    }),
    slowConsumerCloses: new Counter({
      name: 'live_slow_consumer_closes_total',
      help: 'Connections closed with 1013 because the client did not keep up (it may resume with since).',
      registers,
    }),
    deadPeers: new Counter({
      name: 'live_dead_peers_total',
      help: 'Connections cut because the client stopped answering pings.',
      registers,
    }),
    replays: new Counter({ name: 'live_replays_total', help: 'Subscribes with since that were replayed from the outbox.', registers }),
    replayedEvents: new Counter({
      name: 'live_replayed_events_total',
      help: 'Events sent from the outbox to clients catching up with since.',
      registers,
    }),
    resyncs: new Counter({
      name: 'live_resync_required_total',
      help: 'Subscribes whose since could not be replayed (retention: already pruned; unknown_seq: never written here).',
      labelNames: ['reason'] as const,
      registers,
    }),
    refusals: new Counter({
      name: 'live_upgrade_refusals_total',
      help: 'WebSocket upgrades refused, by reason (auth, origin, forbidden, draining, capacity, database, not_found).',
      labelNames: ['reason'] as const,
      registers,
    }),
    clientErrors: new Counter({
      name: 'live_client_errors_total',
      help: 'Client messages answered with an error, by code.',
      labelNames: ['code'] as const,
      registers,
    }),
    gapsAbandoned: new Counter({
      name: 'live_gap_seqs_abandoned_total',
      help: 'Outbox seqs no longer waited for because a transaction stayed open past the gap timeout (alert on any).',
      registers,
    }),
  };
}
