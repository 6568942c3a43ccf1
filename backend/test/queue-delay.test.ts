import { describe, expect, it } from 'vitest';
import { QueueDelay } from '../src/resilience/queueDelay.js';

describe('queue delay (the smallest wait of the last interval)', () => {
  function setup() {
    let now = 0;
    let isEmpty = false;
    const delay = new QueueDelay(() => isEmpty, 100, () => now);
    return {
      delay,
      at: (ms: number) => void (now = ms),
      empty: (value: boolean) => void (isEmpty = value),
    };
  }

  it('reads nothing until an interval completes, then its smallest wait: a burst that drains does not count', () => {
    const { delay, at } = setup();
    delay.record(300);
    delay.record(5); // the queue drained: the luckiest call barely waited
    expect(delay.current()).toBe(0);
    at(100);
    expect(delay.current()).toBe(5);
  });

  it('reads a standing queue, where even the luckiest call waited', () => {
    const { delay, at } = setup();
    for (const waited of [250, 180, 400]) delay.record(waited);
    at(120);
    expect(delay.current()).toBe(180);
  });

  it('falls back to zero when nothing started because nothing waits, and holds the reading when the queue is stuck', () => {
    const { delay, at, empty } = setup();
    delay.record(180);
    at(100);
    expect(delay.current()).toBe(180);
    at(250); // a whole interval without a start, calls still queued: stuck, not idle
    expect(delay.current()).toBe(180);
    empty(true);
    at(400);
    expect(delay.current()).toBe(0);
  });

  it('does not read an old interval as the last one: a wait recorded long ago is forgotten once the queue is empty', () => {
    const { delay, at, empty } = setup();
    at(50);
    delay.record(300);
    empty(true);
    at(350); // the interval holding that wait ended 200 ms ago; nothing started since
    expect(delay.current()).toBe(0);
  });
});
