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

