import type { ReadableOptions } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { longestGapMs, stepFor } from './internal/steps.js';
import { assertBoolean, assertOptionsObject, assertPositiveMs, describeValue, invalidType, invalidValue, outOfRange } from './internal/validation.js';

/** Idle limits of servers known to end a request whose body stays silent, in milliseconds. */
export const IDLE_LIMITS = Object.freeze({
  oss: 60_000,
  nginx: 60_000,
  alb: 60_000,
  heroku: 55_000,
} as const);

/**
 * The timers a heartbeat stream uses; inject them to drive it from a clock of your own. Every delay is
 * relative: the stream reads no clock, so only these two functions decide when a filler comes.
 */
export interface HeartbeatTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface HeartbeatOptions extends ReadableOptions {
  /** The server's idle limit in ms. Default 60_000 (OSS, nginx, ALB). */
  idleLimitMs?: number | undefined;
  /**
   * Silence in ms after which one filler is pushed. Default `idleLimitMs / 2`. At most
   * `maxHeartbeatAfterMs(idleLimitMs)`, so that the longest gap stays under the idle limit.
   */
  heartbeatAfterMs?: number | undefined;
  /** The bytes pushed as a heartbeat. Default ' ' (one 0x20 byte); never empty. */
  filler?: string | Uint8Array | undefined;
  /** Never let a filler land inside a multi-byte UTF-8 character. Default true. */
  utf8Safe?: boolean | undefined;
  /** Default: the global `setTimeout` and `clearTimeout`, looked up each time a timer is set. */
  timers?: HeartbeatTimers | undefined;
}

export interface ResolvedHeartbeatOptions {
  /** idleLimitMs, its default applied. */
  idleLimitMs: number;
  /** heartbeatAfterMs as given, or its default for idleLimitMs. */
  heartbeatAfterMs: number;
  /** heartbeatAfterMs in whole milliseconds, rounded up: fake clocks drop fractions, and a filler is never early. */
  afterMs: number;
  /** How finely the timer follows flowing data: a filler may come up to this much later than afterMs. */
  stepMs: number;
  /** The template every filler pushed is copied from; the stream's own, never handed out. */
  filler: Buffer;
  utf8Safe: boolean;
  /** Injected timers, or undefined for the globals of the moment. */
  timers: HeartbeatTimers | undefined;
}

/**
 * The longest `heartbeatAfterMs` a stream accepts for `idleLimitMs`: a filler comes at most
 * `ceil(heartbeatAfterMs) + ceil(heartbeatAfterMs / 16)` ms after the last byte (one step late after
 * flowing data), and that must stay under `idleLimitMs`. 0 when the limit is too short for any.
 */
export function maxHeartbeatAfterMs(idleLimitMs: number): number {
  // The longest gap grows with heartbeatAfterMs, so the answer is the last whole number that fits.
  let afterMs = Math.floor((idleLimitMs * 16) / 17) + 1;
  while (afterMs > 0 && longestGapMs(afterMs) >= idleLimitMs) afterMs -= 1;
  return afterMs;
}

/** The heartbeat's bytes when `filler` is not given: one space, 0x20. */
export const DEFAULT_FILLER_TEXT = ' ';

// Shared by every stream that keeps the default: a template each filler is copied from, never pushed itself.
const DEFAULT_FILLER = Buffer.from(DEFAULT_FILLER_TEXT);

function resolveFiller(value: unknown, utf8Safe: boolean): Buffer {
  if (value === undefined) return DEFAULT_FILLER;
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw invalidType('filler', `filler must be a string or Uint8Array, got ${describeValue(value)}`);
  }
  if (typeof value === 'string' && !value.isWellFormed()) {
    throw invalidValue('filler', `filler must not contain a lone surrogate (it would be sent as U+FFFD), got ${describeValue(value)}`);
  }
  const filler = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  if (filler.length === 0) {
    throw invalidValue('filler', `filler must not be empty, got ${describeValue(value)}`);
  }
  if (utf8Safe && !isUtf8(filler)) {
    throw invalidValue('filler', `filler must be valid UTF-8 when utf8Safe is true, got ${describeValue(value)}`);
  }
  return filler;
}

function resolveTimers(value: unknown): HeartbeatTimers | undefined {
  if (value === undefined) return undefined;
  assertOptionsObject('timers', value);
  const timers = value as Partial<Record<keyof HeartbeatTimers, unknown>>;
  for (const name of ['setTimeout', 'clearTimeout'] as const) {
    if (typeof timers[name] !== 'function') {
      throw invalidType(`timers.${name}`, `timers.${name} must be a function, got ${describeValue(timers[name])}`);
    }
  }
  return value as HeartbeatTimers;
}

/**
 * Every heartbeat option checked and its default applied, as a HeartbeatReadable would take them; throws
 * synchronously a TypeError or RangeError that names the option (its `option`) and carries a `code`.
 */
export function resolveHeartbeatOptions(options: HeartbeatOptions | undefined): ResolvedHeartbeatOptions {
  assertOptionsObject('options', options);
  const { idleLimitMs = IDLE_LIMITS.oss, heartbeatAfterMs, filler, utf8Safe = true, timers } = options ?? {};
  if (options?.objectMode !== undefined && options.objectMode !== false) {
    throw invalidType('objectMode', `objectMode must be false: heartbeat fillers are bytes, got ${describeValue(options.objectMode)}`);
  }
  assertPositiveMs('idleLimitMs', idleLimitMs);
  const gap = 'the longest gap, ceil(heartbeatAfterMs) + ceil(heartbeatAfterMs / 16) ms,';
  const most = maxHeartbeatAfterMs(idleLimitMs);
  if (most === 0) {
    throw outOfRange('idleLimitMs', `idleLimitMs must be more than 2 (${gap} is 2 ms at the least), got ${describeValue(idleLimitMs)}`);
  }
  // Half the limit fits any limit but the shortest (3 ms), where it would have to round up past the bound.
  const resolvedAfterMs = heartbeatAfterMs === undefined ? Math.min(idleLimitMs / 2, most) : heartbeatAfterMs;
  assertPositiveMs('heartbeatAfterMs', resolvedAfterMs);
  const afterMs = Math.ceil(resolvedAfterMs);
  if (afterMs > most) {
    throw outOfRange(
      'heartbeatAfterMs',
      `heartbeatAfterMs must be at most ${most} for idleLimitMs ${idleLimitMs} (${gap} must stay under idleLimitMs), ` +
        `got ${describeValue(resolvedAfterMs)}`,
    );
  }
  assertBoolean('utf8Safe', utf8Safe);
  return {
    idleLimitMs,
    heartbeatAfterMs: resolvedAfterMs,
    afterMs,
    stepMs: stepFor(afterMs),
    filler: resolveFiller(filler, utf8Safe),
    utf8Safe,
    timers: resolveTimers(timers),
  };
}
