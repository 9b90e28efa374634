import type { RetryLimits } from './options.js';

/**
 * The retry schedule of one append: exponential backoff with full jitter, bounded by a count of tries
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
