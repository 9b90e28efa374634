import { constants as bufferConstants } from 'node:buffer';
import { assertBoolean, assertInteger, assertOptionsObject, assertPositiveMs, assertSignal, describeValue } from '../../validation.js';

export const DEFAULT_MAX_APPEND_BYTES = 2 ** 20;
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 2 ** 20;
/** ali-oss's own default timeout: an append is one short request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** OSS's limit for an appendable object: 5 GB. */
export const MAX_APPENDABLE_OBJECT_BYTES = 5 * 2 ** 30;

export interface AppendRetryOptions {
  /** Tries of one append, the first one included, before giving up. Default 30; `Infinity` for no limit. */
  attempts?: number;
  /** How long one append may keep failing, from its first failure, before giving up, in ms. Default 600_000. */
  maxElapsedMs?: number;
  /** The shortest wait before a retry, in ms. Default 250. */
  minDelayMs?: number;
  /** The longest wait before a retry, in ms. Default 30_000. */
  maxDelayMs?: number;
}

export interface AppendStreamOptions {
  /** The largest append, in bytes. Default 1 MiB. */
  maxAppendBytes?: number;
  /** Bytes are appended once the oldest unsent one is this old, in ms. Default 1000. */
  flushIntervalMs?: number;
  /**
   * The most bytes held (the append in flight included) while OSS is slow or unreachable; beyond it the source
   * is paused. At least `maxAppendBytes`. Default 8 MiB, or `maxAppendBytes` when that is larger.
   */
  maxBufferedBytes?: number;
  /** How long one append or HEAD request may take before its outcome counts as unknown, in ms. Default 60_000. */
  requestTimeoutMs?: number;
  retry?: AppendRetryOptions;
  /** Continue an existing appendable object at its length instead of refusing it. Default false. */
  resume?: boolean;
  /** Stops after the append in flight settles; what was appended stays in the object. */
  signal?: AbortSignal;
}

export type RetryLimits = Required<AppendRetryOptions>;

export interface AppendConfig {
  maxAppendBytes: number;
  flushIntervalMs: number;
  maxBufferedBytes: number;
  requestTimeoutMs: number;
  retry: RetryLimits;
  resume: boolean;
  signal: AbortSignal | undefined;
}

export const DEFAULT_RETRY: Readonly<RetryLimits> = Object.freeze({
  attempts: 30,
  maxElapsedMs: 600_000,
  minDelayMs: 250,
  maxDelayMs: 30_000,
});

function resolveRetry(retry: unknown): RetryLimits {
  assertOptionsObject('retry', retry);
  const limits = { ...DEFAULT_RETRY, ...(retry as AppendRetryOptions | undefined) };
  if (limits.attempts !== Infinity) assertInteger('retry.attempts', limits.attempts, 1);
  if (limits.maxElapsedMs !== Infinity) assertPositiveMs('retry.maxElapsedMs', limits.maxElapsedMs, Number.MAX_SAFE_INTEGER);
  assertPositiveMs('retry.minDelayMs', limits.minDelayMs);
  assertPositiveMs('retry.maxDelayMs', limits.maxDelayMs);
  if (limits.maxDelayMs < limits.minDelayMs) {
    throw new RangeError(
      `retry.maxDelayMs must be at least retry.minDelayMs (${limits.minDelayMs}), got ${describeValue(limits.maxDelayMs)}`,
    );
  }
  return limits;
}

/** Validates every option, throwing a TypeError or RangeError that names the option and the value. */
export function resolveAppendOptions(options: unknown): AppendConfig {
  assertOptionsObject('options', options);
  const {
    maxAppendBytes = DEFAULT_MAX_APPEND_BYTES,
    flushIntervalMs = DEFAULT_FLUSH_INTERVAL_MS,
    maxBufferedBytes: bufferedOption,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    retry,
    resume = false,
    signal,
  } = (options ?? {}) as AppendStreamOptions;
  // One append is one Buffer, and no larger than the object may grow.
  assertInteger('maxAppendBytes', maxAppendBytes, 1, Math.min(bufferConstants.MAX_LENGTH, MAX_APPENDABLE_OBJECT_BYTES));
  assertPositiveMs('flushIntervalMs', flushIntervalMs);
  const maxBufferedBytes = bufferedOption === undefined ? Math.max(DEFAULT_MAX_BUFFERED_BYTES, maxAppendBytes) : bufferedOption;
  assertInteger('maxBufferedBytes', maxBufferedBytes, maxAppendBytes);
  assertPositiveMs('requestTimeoutMs', requestTimeoutMs);
  assertBoolean('resume', resume);
  assertSignal(signal);
  return { maxAppendBytes, flushIntervalMs, maxBufferedBytes, requestTimeoutMs, retry: resolveRetry(retry), resume, signal };
}
