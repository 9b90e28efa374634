import type { ReadableOptions } from 'node:stream';
import { inspect } from 'node:util';
import { isUtf8 } from 'node:buffer';

/** Idle limits of servers known to end a request whose body stays silent, in milliseconds. */
export const IDLE_LIMITS = Object.freeze({
  oss: 60_000,
  nginx: 60_000,
  alb: 60_000,
  heroku: 55_000,
} as const);

/** The clock a heartbeat stream uses; inject one to drive it from a test's fake clock. */
export interface HeartbeatTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface HeartbeatOptions extends ReadableOptions {
  /** The server's idle limit in ms. Default 60_000 (OSS, nginx, ALB). */
  idleLimitMs?: number;
  /** Silence in ms after which one filler is pushed. Default `idleLimitMs / 2`; 0 < it < idleLimitMs. */
  heartbeatAfterMs?: number;
  /** The bytes pushed as a heartbeat. Default ' ' (one 0x20 byte); never empty. */
  filler?: string | Uint8Array;
  /** Never let a filler land inside a multi-byte UTF-8 character. Default true. */
  utf8Safe?: boolean;
  /** Default: the global `setTimeout`, `clearTimeout` and `Date.now`, looked up at each call. */
  timers?: HeartbeatTimers;
}

export interface ResolvedHeartbeatOptions {
  idleLimitMs: number;
  heartbeatAfterMs: number;
  /** How finely the timer follows flowing data: a filler may come up to this much later than heartbeatAfterMs. */
  stepMs: number;
  filler: Buffer;
  utf8Safe: boolean;
  timers: HeartbeatTimers;
}

/** Node clamps longer delays to 1 ms, which would turn a heartbeat into a busy loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

// Looked up at call time, so fake timers installed after this module loaded still drive the stream.
const globalTimers: HeartbeatTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/** A value as an error message shows it: strings quoted, numbers as written, objects briefly. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    // A megabyte of a mistaken value must not become a megabyte of error message.
    return value.length <= 80 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 60))}... (${value.length} characters)`;
  }
  if (typeof value === 'function') return 'a function';
  return inspect(value, { depth: 0, breakLength: Infinity, maxArrayLength: 4, maxStringLength: 40 });
}

/** Throws TypeError (not a number) or RangeError (not positive, finite and at most `max`). */
export function assertPositiveMs(name: string, value: unknown, max = MAX_TIMER_MS): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a positive finite number, got ${describeValue(value)}`);
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number, got ${describeValue(value)}`);
  }
  if (value > max) {
    throw new RangeError(`${name} must be at most ${max} ms, got ${describeValue(value)}`);
  }
}

/** Like the other checks, but names only the type: a credential's value must never reach a log. */
export function assertCredential(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    const kind =
      value === null || value === undefined
        ? String(value)
        : Array.isArray(value)
          ? 'an array'
          : typeof value === 'object'
            ? 'an object'
            : `a ${typeof value}`;
    throw new TypeError(`${name} must be a non-empty string, got ${kind}`);
  }
  if (value === '') {
    throw new RangeError(`${name} must be a non-empty string, got an empty string`);
  }
}

export function assertOptionsObject(name: string, value: unknown): asserts value is object | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new TypeError(`${name} must be an object, got ${describeValue(value)}`);
  }
}

// Shared by every stream that keeps the default: the same chunk is pushed each time.
const DEFAULT_FILLER = Buffer.from(' ');

function resolveFiller(value: unknown, utf8Safe: boolean): Buffer {
  if (value === undefined) return DEFAULT_FILLER;
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw new TypeError(`filler must be a string or Uint8Array, got ${describeValue(value)}`);
  }
  if (typeof value === 'string' && !value.isWellFormed()) {
    throw new RangeError(`filler must not contain a lone surrogate (it would be sent as U+FFFD), got ${describeValue(value)}`);
  }
  const filler = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  if (filler.length === 0) {
    throw new RangeError(`filler must not be empty, got ${describeValue(value)}`);
  }
  if (utf8Safe && !isUtf8(filler)) {
    throw new RangeError(`filler must be valid UTF-8 when utf8Safe is true, got ${describeValue(value)}`);
  }
  return filler;
}

function resolveTimers(value: unknown): HeartbeatTimers {
  if (value === undefined) return globalTimers;
  assertOptionsObject('timers', value);
  const timers = value as Partial<Record<keyof HeartbeatTimers, unknown>>;
  for (const name of ['setTimeout', 'clearTimeout', 'now'] as const) {
    if (typeof timers[name] !== 'function') {
      throw new TypeError(`timers.${name} must be a function, got ${describeValue(timers[name])}`);
    }
  }
  return value as HeartbeatTimers;
}

/** Validates every heartbeat option, throwing synchronously with a message that names it. */
export function resolveHeartbeatOptions(options: HeartbeatOptions | undefined): ResolvedHeartbeatOptions {
  assertOptionsObject('options', options);
  const { idleLimitMs = IDLE_LIMITS.oss, heartbeatAfterMs, filler, utf8Safe = true, timers } = options ?? {};
  if (options?.objectMode !== undefined && options.objectMode !== false) {
    throw new TypeError(`objectMode must be false: heartbeat fillers are bytes, got ${describeValue(options.objectMode)}`);
  }
  assertPositiveMs('idleLimitMs', idleLimitMs);
  const resolvedAfterMs = heartbeatAfterMs === undefined ? idleLimitMs / 2 : heartbeatAfterMs;
  assertPositiveMs('heartbeatAfterMs', resolvedAfterMs);
  if (resolvedAfterMs >= idleLimitMs) {
    throw new RangeError(
      `heartbeatAfterMs must be less than idleLimitMs (${idleLimitMs}), got ${describeValue(resolvedAfterMs)}`,
    );
  }
  if (typeof utf8Safe !== 'boolean') {
    throw new TypeError(`utf8Safe must be a boolean, got ${describeValue(utf8Safe)}`);
  }
  return {
    idleLimitMs,
    heartbeatAfterMs: resolvedAfterMs,
    // Timers count whole milliseconds.
    stepMs: Math.ceil(resolvedAfterMs / 16),
    filler: resolveFiller(filler, utf8Safe),
    utf8Safe,
    timers: resolveTimers(timers),
  };
}
