// Clocks for timing tests: Vitest fake timers per test (useFakeClock), a manual clock to inject (manualTimers), one tick (nextTick).
import { afterEach, beforeEach, vi } from 'vitest';
import type { HeartbeatTimers } from '../../src/index.js';

/**
 * A manual clock for injected `timers`: time moves only by `advance`, and every call is counted,
 * so a test can tell how often a stream woke up.
 */
export function manualTimers(): HeartbeatTimers & {
  now(): number;
  advance(ms: number): void;
  pending(): number;
  setTimeoutCalls: number;
} {
  let now = 0;
  let nextId = 1;
  const queue = new Map<number, { at: number; callback: () => void }>();
  const timers = {
    setTimeoutCalls: 0,
    now: () => now,
    setTimeout(callback: () => void, ms: number) {
      timers.setTimeoutCalls += 1;
      const id = nextId++;
      queue.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle: unknown) {
      queue.delete(handle as number);
    },
    pending: () => queue.size,
    advance(ms: number) {
      const target = now + ms;
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of queue) if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
        if (!due) break;
        queue.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = target;
    },
  };
  return timers;
}

/** Lets callbacks queued with process.nextTick so far run (streams start flowing on the next tick). */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/** Vitest fake timers (Date included) for every test of the calling file or describe block, real ones after. */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
