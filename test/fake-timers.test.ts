import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatReadable } from '../src/index.js';
import { joined, manualTimers, nextTick, record } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.resetModules();
});

describe('works under any clock', () => {
  it('follows Vitest fake timers installed after the import', async () => {
    vi.useFakeTimers();
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    record(stream);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(stream.heartbeats).toBe(20);
    stream.destroy();
  });

  it('follows Vitest fake timers installed before the import', async () => {
    vi.useFakeTimers();
    vi.resetModules();
    const fresh = await import('../src/index.js');
    const stream = new fresh.HeartbeatReadable({ idleLimitMs: 60_000 });
    record(stream);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(stream.heartbeats).toBe(20);
    stream.destroy();
  });

  it('follows injected timers and never touches the global ones', async () => {
    vi.useFakeTimers();
    const timers = manualTimers();
    const stream = new HeartbeatReadable({ idleLimitMs: 1_000, timers });
    const arrivals = record(stream);
    await nextTick();
    timers.advance(2_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(joined(arrivals).toString()).toBe('    ');
    stream.destroy();
    expect(timers.pending()).toBe(0);
  });

  it('never postpones a heartbeat by more than one period when the clock goes back', async () => {
    const timers = manualTimers();
    let offset = 0;
    const stream = new HeartbeatReadable({ idleLimitMs: 1_000, timers: { ...timers, now: () => timers.now() + offset } });
    record(stream);
    await nextTick();
    timers.advance(400);
    offset = -3_600_000; // the wall clock is set back an hour
    timers.advance(1_100);
    expect(stream.heartbeats).toBeGreaterThanOrEqual(1);
    stream.destroy();
  });
});

describe('synchronous fake clocks', () => {
  it('sends fillers under vi.advanceTimersByTime, with a push made inside a timer callback stamped exactly', () => {
    vi.useFakeTimers();
    const stream = new HeartbeatReadable({ idleLimitMs: 200, heartbeatAfterMs: 100 });
    const start = Date.now();
    const arrivals = record(stream);
    stream.read(); // starts the clock now, without waiting for the next tick
    setTimeout(() => stream.push('x'), 50);
    vi.advanceTimersByTime(400);
    expect(arrivals.map((arrival) => [arrival.at - start, arrival.bytes.toString()])).toEqual([
      [50, 'x'],
      [150, ' '],
      [250, ' '],
      [350, ' '],
    ]);
    stream.destroy();
  });
});
