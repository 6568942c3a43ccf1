// What chaos/overload.ts needs of autocannon beyond bench/autocannon.d.ts: an open-loop rate, worker threads.
declare module 'autocannon' {
  interface Options {
    /** Requests per second over all connections (open loop); unset: each connection sends as fast as answered. */
    overallRate?: number;
    /** Worker threads that generate the load (the calling thread stays free). */
    workers?: number;
    /** Latency figures of 2xx answers only (by default they mix in every other status). */
    excludeErrorStats?: boolean;
    /** Record each answer's latency as measured, without autocannon's synthetic samples for late answers. */
    ignoreCoordinatedOmission?: boolean;
  }
}
