import { afterEach, beforeEach, vi } from 'vitest';
import { Writable, type Readable } from 'node:stream';
import type { HeartbeatTimers } from '../src/index.js';

/** Bytes a reader received, each with the (possibly fake) time it arrived. */
export interface Arrival {
  at: number;
  bytes: Buffer;
}

/** Reads `stream` in flowing mode and records when each chunk arrived. */
export function record(stream: Readable): Arrival[] {
  const arrivals: Arrival[] = [];
  stream.on('data', (chunk: Buffer) => arrivals.push({ at: Date.now(), bytes: chunk }));
  return arrivals;
}

export function joined(arrivals: Arrival[]): Buffer {
  return Buffer.concat(arrivals.map((arrival) => arrival.bytes));
}

/** The longest time between two successive arrivals, starting from `start`. */
export function longestGap(arrivals: Arrival[], start: number): number {
  let previous = start;
  let longest = 0;
  for (const { at } of arrivals) {
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return longest;
}

/** A Writable that takes everything; `received` grows as bytes arrive. */
export function sink(): Writable & { received: Buffer[] } {
  const received: Buffer[] = [];
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
  });
  return Object.assign(writable, { received });
}

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
