-- Deliveries not yet delivered or given up on, by when they are due: the worker's sweep for deliveries whose queue
-- job was lost (store/deliveries.ts requeueStranded) reads only these, however long the history of delivered ones.
create index deliveries_open on deliveries (next_attempt_at) where state in ('pending', 'failed', 'sending');
