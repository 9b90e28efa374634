import { assertInteger, assertOptionsObject, assertPositiveMs, describeValue, outOfRange, withoutUndefined } from '../internal/validation.js';

/** How failed requests are retried: appendStream's and followLog's `retry` option. */
export interface RetryOptions {
  /** Tries of one request (of one append), the first one included, before giving up. Default 30; `Infinity` for no limit. */
  attempts?: number | undefined;
  /** How long one request may keep failing, from its first failure, before giving up, in ms. Default 600_000. */
  maxElapsedMs?: number | undefined;
  /** The shortest wait before a retry, in ms. Default 250. */
  minDelayMs?: number | undefined;
  /** The longest wait before a retry, in ms. Default 30_000. */
  maxDelayMs?: number | undefined;
}

/** Every limit set; not `Required<RetryOptions>`, which keeps `| undefined` under exactOptionalPropertyTypes. */
export type RetryLimits = { [K in keyof RetryOptions]-?: Exclude<RetryOptions[K], undefined> };

export const DEFAULT_RETRY: Readonly<RetryLimits> = Object.freeze({
  attempts: 30,
  maxElapsedMs: 600_000,
  minDelayMs: 250,
  maxDelayMs: 30_000,
});

/** The retry limits `retry` gives, defaults filled in; throws a TypeError or RangeError naming the option. */
export function resolveRetry(retry: unknown): RetryLimits {
  assertOptionsObject('retry', retry);
  // An undefined limit is one left out: its default holds.
  const limits = { ...DEFAULT_RETRY, ...withoutUndefined((retry ?? {}) as RetryOptions) };
  if (limits.attempts !== Infinity) assertInteger('retry.attempts', limits.attempts, 1);
  if (limits.maxElapsedMs !== Infinity) assertPositiveMs('retry.maxElapsedMs', limits.maxElapsedMs, Number.MAX_SAFE_INTEGER);
  assertPositiveMs('retry.minDelayMs', limits.minDelayMs);
  assertPositiveMs('retry.maxDelayMs', limits.maxDelayMs);
  if (limits.maxDelayMs < limits.minDelayMs) {
    throw outOfRange(
      'retry.maxDelayMs',
      `retry.maxDelayMs must be at least retry.minDelayMs (${limits.minDelayMs}), got ${describeValue(limits.maxDelayMs)}`,
    );
  }
  return limits;
}

/**
 * The retry schedule of one request (an append, a poll): exponential backoff with full jitter, bounded by a count of tries
 * and by the time since the first failure. Reads `Date.now` and `Math.random` at each call, so a test's
 * fake clock drives it.
 */
export class Backoff {
  #failures = 0;
  #firstFailureAt: number | undefined;

  constructor(private readonly limits: RetryLimits) {}

  get failures(): number {
    return this.#failures;
  }

  get elapsedMs(): number {
    return this.#firstFailureAt === undefined ? 0 : Date.now() - this.#firstFailureAt;
  }

  /**
   * Counts a failure and returns how long to wait before the next try: the n-th wait is random between
   * minDelayMs and min(maxDelayMs, minDelayMs * 2^n), and never past maxElapsedMs. Undefined: give up.
   */
  next(): number | undefined {
    const { attempts, maxElapsedMs, minDelayMs, maxDelayMs } = this.limits;
    this.#firstFailureAt ??= Date.now();
    this.#failures += 1;
    const left = maxElapsedMs - this.elapsedMs;
    if (this.#failures >= attempts || left <= 0) return undefined;
    const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** this.#failures);
    return Math.min(left, minDelayMs + Math.random() * (ceiling - minDelayMs));
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer or listener behind. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Resolves after a turn of the event loop, so I/O waiting meanwhile (a request's body) goes out. The global
 * setImmediate, looked up at call time: fake timers drive it as they drive the rest.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
