import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll } from 'vitest';
import type { HeartbeatReadable, HeartbeatTimers } from '../../src/index.js';

/** A small seeded PRNG (mulberry32): the same seed gives the same run, so a failure can be replayed. */
export function seededRandom(seed: number): {
  next: () => number;
  int: (min: number, max: number) => number;
  pick: <T>(items: readonly T[]) => T;
} {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]! };
}

/** One upload of a soak test: what it sends, and the silence before each chunk, the first one included. */
export interface SoakPlan {
  key: string;
  chunks: Buffer[];
  silencesMs: number[];
}

/** `count` chunks made by `chunk`, each after a random silence of up to `maxSilenceMs`. */
export function soakPlan(
  random: ReturnType<typeof seededRandom>,
  key: string,
  count: number,
  chunk: () => Buffer,
  maxSilenceMs: number,
): SoakPlan {
  const chunks = Array.from({ length: count }, chunk);
  return { key, chunks, silencesMs: Array.from({ length: count }, () => random.int(0, maxSilenceMs)) };
}

/** `length` bytes of printable ASCII without a space, so removing every space from a stored body is exact. */
export function fillerFreeBytes(length: number, random: () => number): Buffer {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/\n';
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = alphabet.charCodeAt(Math.floor(random() * alphabet.length));
  return bytes;
}

/** The handles that keep a process alive and that an upload could leave behind. */
export const WATCHED_RESOURCES = ['Timeout', 'TCPSocketWrap', 'TCPServerWrap'] as const;
export type ResourceCounts = Record<(typeof WATCHED_RESOURCES)[number], number>;

/**
 * Counts of the watched resources. Node lists only referenced handles and timers here: an unref'd
 * heartbeat timer is invisible to it, which is why the tests also inject `trackedTimers()`.
 */
export function activeResources(): ResourceCounts {
  const info = process.getActiveResourcesInfo();
  const count = (name: string): number => info.filter((resource) => resource === name).length;
  return { Timeout: count('Timeout'), TCPSocketWrap: count('TCPSocketWrap'), TCPServerWrap: count('TCPServerWrap') };
}

function sameCounts(a: ResourceCounts, b: ResourceCounts): boolean {
  return WATCHED_RESOURCES.every((name) => a[name] === b[name]);
}

/**
 * The watched counts once they have held still for `quietMs`: a baseline without Vitest's own
 * short-lived timers (it throttles its task updates with a 100 ms timer at a test's start).
 */
export async function quietResources(quietMs = 150, timeoutMs = 5_000): Promise<ResourceCounts> {
  const deadline = performance.now() + timeoutMs;
  let counts = activeResources();
  let since = performance.now();
  while (performance.now() - since < quietMs && performance.now() < deadline) {
    await sleep(10);
    const next = activeResources();
    if (!sameCounts(next, counts)) {
      counts = next;
      since = performance.now();
    }
  }
  return counts;
}

/**
 * The watched counts before the calling file's first test, taken once: every test ends with resourcesBackTo
 * it, so each test starts where the one before it did.
 */
export function resourceBaseline(): () => ResourceCounts {
  let baseline: ResourceCounts | undefined;
  beforeAll(async () => {
    baseline = await quietResources();
  });
  return () => baseline!;
}

/**
 * Resolves once no watched count is above `expected` (a baseline from quietResources), polling on short
 * timers that have fired by the time each check runs. Not vi.waitFor: its own pending timers would count.
 */
export async function resourcesBackTo(expected: ResourceCounts, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const actual = activeResources();
    if (WATCHED_RESOURCES.every((name) => actual[name] <= expected[name])) return;
    if (performance.now() > deadline) {
      throw new Error(
        `resources left: ${JSON.stringify(actual)}, expected at most ${JSON.stringify(expected)} ` +
          `(all active: ${process.getActiveResourcesInfo().join(', ')})`,
      );
    }
    await sleep(10);
  }
}

/** Real timers for a heartbeat stream that know which of theirs are still pending, unref'd or not. */
export function trackedTimers(): HeartbeatTimers & { pending(): number; started(): number } {
  const live = new Set<NodeJS.Timeout>();
  let started = 0;
  return {
    setTimeout(callback, ms) {
      started += 1;
      const timer: NodeJS.Timeout = globalThis.setTimeout(() => {
        live.delete(timer);
        callback();
      }, ms);
      live.add(timer);
      return timer;
    },
    clearTimeout(handle) {
      live.delete(handle as NodeJS.Timeout);
      globalThis.clearTimeout(handle as NodeJS.Timeout);
    },
    pending: () => live.size,
    started: () => started,
  };
}

export interface Settlement<T> {
  /** How often the promise's fulfilment and rejection handlers ran, together. */
  calls: number;
  settled: boolean;
  value?: T;
  error?: unknown;
}

/** Watches `promise` settle; `done` resolves (never rejects) once it has. */
export function observeSettlement<T>(promise: Promise<T>): { settlement: Settlement<T>; done: Promise<void> } {
  const settlement: Settlement<T> = { calls: 0, settled: false };
  const done = promise.then(
    (value) => {
      settlement.calls += 1;
      settlement.settled = true;
      settlement.value = value;
    },
    (error: unknown) => {
      settlement.calls += 1;
      settlement.settled = true;
      settlement.error = error;
    },
  );
  return { settlement, done };
}

/**
 * Records the 'data', 'heartbeat' and 'error' events `stream` emits once `isSettled()` holds. It wraps
 * `emit` instead of adding listeners: a 'data' listener would start the stream flowing on its own.
 */
export function eventsAfter(stream: HeartbeatReadable, isSettled: () => boolean): string[] {
  const late: string[] = [];
  const emit = stream.emit.bind(stream) as (event: string | symbol, ...args: unknown[]) => boolean;
  stream.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (isSettled() && (event === 'data' || event === 'heartbeat' || event === 'error')) late.push(String(event));
    return emit(event, ...args);
  }) as HeartbeatReadable['emit'];
  return late;
}

