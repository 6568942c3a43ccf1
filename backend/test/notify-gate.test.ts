import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelGate } from '../src/notify/channelGate.js';

/** The per-channel send slots of the delivery worker, with a controlled clock. */
describe('ChannelGate', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const gate = (limits: Partial<ConstructorParameters<typeof ChannelGate>[0]> = {}) =>
    new ChannelGate({ cap: 2, maxAdmitted: 10, maxWaitMs: 1000, ...limits });

  /** Admits and acquires one send; resolves its release. */
  const send = async (g: ChannelGate, channel: string, timeoutMs = 5000) => {
    expect(g.admit(channel)).toBe(true);
    return g.acquire(channel, timeoutMs);
  };

  it('lets `cap` sends run at once; the next waits until one is given back', async () => {
    const g = gate();
    const first = await send(g, 'a');
    const second = await send(g, 'a');
    expect(first).toBeTypeOf('function');
    let third: (() => void) | undefined | 'waiting' = 'waiting';
    void send(g, 'a').then((release) => (third = release));
    await vi.advanceTimersByTimeAsync(100);
    expect(third).toBe('waiting');
    first!();
    await vi.advanceTimersByTimeAsync(0);
    expect(third).toBeTypeOf('function');
    second!();
  });

  it('keeps channels apart: a full channel does not hold up another', async () => {
    const g = gate({ cap: 1 });
    await send(g, 'slow');
    const other = await send(g, 'fast');
    expect(other).toBeTypeOf('function');
  });

  it('gives up a wait after its timeout, without taking a slot', async () => {
    const g = gate({ cap: 1 });
    const holder = await send(g, 'a');
    const waiter = send(g, 'a', 200);
    await vi.advanceTimersByTimeAsync(250);
    expect(await waiter).toBeUndefined();
    holder!();
    // The slot is free again: the next send gets it at once.
    expect(await send(g, 'a', 0)).toBeTypeOf('function');
  });

  it('admits no more than maxAdmitted jobs per channel', () => {
    const g = gate({ maxAdmitted: 3, maxWaitMs: Infinity });
    expect([g.admit('a'), g.admit('a'), g.admit('a'), g.admit('a')]).toEqual([true, true, true, false]);
    g.leave('a');
    expect(g.admit('a')).toBe(true);
  });

  it('admits beyond the slots only while the expected wait, by the measured send time, is short', async () => {
    const g = gate({ cap: 1, maxAdmitted: 100, maxWaitMs: 1000 });
    // Twenty sends of 400 ms: the moving average has moved from 100 ms to within a few ms of it.
    for (let i = 0; i < 20; i++) {
      const release = await send(g, 'a');
      await vi.advanceTimersByTimeAsync(400);
      release!();
      g.leave('a');
    }
    // One sends, then waits of 400, 800, 1200 ms: the third waiter would wait past a second.
    expect([g.admit('a'), g.admit('a'), g.admit('a'), g.admit('a')]).toEqual([true, true, true, false]);
  });

  it('spreads jobs moved later at the pace the slots free up, behind the line', () => {
    const g = gate({ cap: 2 });
    const delays = Array.from({ length: 5 }, () => g.deferMs('a'));
    // Send time not measured yet (100 ms) and nobody in line: the first after the sends running now (100 ms) and
    // its own slot's share (100 / 2), each next one that share later; ±10 % jitter.
    delays.forEach((delay, i) => {
      const nominal = 100 + 50 * (i + 1);
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.9);
      expect(delay).toBeLessThanOrEqual(nominal * 1.1);
    });
  });
});
