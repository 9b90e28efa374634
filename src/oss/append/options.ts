import { constants as bufferConstants } from 'node:buffer';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { resolveRetry, type RetryLimits, type RetryOptions } from '../retry.js';
import type { AppendAccount } from './errors.js';
import { MAX_APPENDABLE_OBJECT_BYTES } from '../../internal/limits.js';
import {
  assertBoolean,
  assertInteger,
  assertOptionsObject,
  assertPositiveMs,
  assertSignal,
  describeValue,
  invalidType,
  invalidValue,
} from '../../internal/validation.js';
import { assertMime } from '../../internal/oss-validation.js';

export { MAX_APPENDABLE_OBJECT_BYTES };

export const DEFAULT_MAX_APPEND_BYTES = 2 ** 20;
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 2 ** 20;
/** ali-oss's own default timeout: an append is one short request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** The largest maxAppendBytes: one append is one Buffer, and no larger than the object may grow. */
export const MOST_APPEND_BYTES = Math.min(bufferConstants.MAX_LENGTH, MAX_APPENDABLE_OBJECT_BYTES);

/** maxBufferedBytes when not given: it must hold one append while that append is in flight. */
export function defaultMaxBufferedBytes(maxAppendBytes: number): number {
  return Math.max(DEFAULT_MAX_BUFFERED_BYTES, maxAppendBytes);
}

/** How far an append stream has got, as `onProgress` receives it: exact at the moment of the call. */
export interface AppendProgress extends Pick<AppendAccount, 'storedBytes' | 'position' | 'appends' | 'retries'> {
  /** Bytes taken from the source that OSS has not confirmed: waiting, or in an append not yet confirmed. */
  pendingBytes: number;
  /** When the oldest of those bytes was taken from the source (a `Date.now()` time); undefined when there are none. */
  oldestPendingAt: number | undefined;
}

export interface AppendStreamOptions {
  /** The largest append, in bytes. Default 1 MiB. */
  maxAppendBytes?: number | undefined;
  /**
   * At most one append that is not full per this many ms while output flows, in ms. A line after a silence this
   * long is appended at once; the lines that follow wait until this long after that append. Default 1000.
   */
  flushIntervalMs?: number | undefined;
  /**
   * The most bytes held (the append in flight included) while OSS is slow or unreachable; beyond it the source
   * is paused. At least `maxAppendBytes`. Default 8 MiB, or `maxAppendBytes` when that is larger.
   */
  maxBufferedBytes?: number | undefined;
  /** How long one append or HEAD request may take before its outcome counts as unknown, in ms. Default 60_000. */
  requestTimeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
  /**
   * Continue an existing appendable object instead of refusing it: `true` at whatever length it has, or an object:
   * `at: n` continues it only when it is `n` bytes long (a restarted runner that knows what it shipped; `at: 0`
   * also accepts no object), else the call rejects with a ResumeMismatchError before appending anything;
   * `reopen: true` continues a log that its writer marked complete (refused otherwise, with a LogCompleteError).
   * Default false.
   */
  resume?: boolean | { at?: number | undefined; reopen?: boolean | undefined } | undefined;
  /**
   * Once every byte is stored, mark the log complete with its length and CRC-64 (object tags), so followers
   * (followLog) end; a call that fails or is aborted marks it incomplete where it still can, so they stop. Needs
   * the oss:GetObjectTagging and oss:PutObjectTagging permissions: without them the call still resolves, with
   * `complete: false` and the reason. Default true.
   */
  markComplete?: boolean | undefined;
  /** Stops after the append in flight settles; what was appended stays in the object. */
  signal?: AbortSignal | undefined;
  /**
   * The object's Content-Type, such as `text/plain; charset=utf-8`: ali-oss's `mime`, as putStream takes it, sent
   * with the append that creates the object (position 0), which OSS takes an object's type from. Default: ali-oss's
   * guess from the name's extension.
   */
  mime?: string | undefined;
  /**
   * More headers for the append that creates the object (x-oss-meta-*, Cache-Control, Content-Disposition...),
   * sent with it alone, as OSS takes an object's metadata from it. Not Content-Length, Content-MD5 or
   * Transfer-Encoding, which appendStream sets for each append, nor Content-Type: that is `mime`.
   */
  headers?: Record<string, string> | undefined;
  /**
   * Called after each append lands, after each failed try (its retry counted), and when bytes come from the source
   * while none were waiting. A throw stops appending as an abort does, after the append in flight settles; the call
   * rejects with a ProgressCallbackError whose `cause` is what was thrown. Not called again after it threw.
   */
  onProgress?: ((progress: AppendProgress) => void) | undefined;
}

export interface AppendConfig {
  maxAppendBytes: number;
  flushIntervalMs: number;
  maxBufferedBytes: number;
  requestTimeoutMs: number;
  retry: RetryLimits;
  resume: boolean;
  /** The length `resume: { at }` demands; undefined when any length will do. */
  resumeAt: number | undefined;
  /** `resume: { reopen: true }`: a log marked complete may be continued. */
  reopen: boolean;
  markComplete: boolean;
  signal: AbortSignal | undefined;
  /** mime and headers together, as ali-oss takes them for the append at position 0. */
  creation: { mime?: string; headers?: Record<string, string> };
}

/** What `resume` asks for: whether to continue an object, at which length, and whether a completed one too. */
function resolveResume(resume: unknown): { resume: boolean; resumeAt: number | undefined; reopen: boolean } {
  if (typeof resume === 'object' && resume !== null) {
    const { at, reopen = false } = resume as { at?: unknown; reopen?: unknown };
    if (at !== undefined) assertInteger('resume.at', at, 0, MAX_APPENDABLE_OBJECT_BYTES);
    assertBoolean('resume.reopen', reopen);
    return { resume: true, resumeAt: at, reopen };
  }
  if (typeof resume !== 'boolean') {
    throw invalidType('resume', `resume must be a boolean or an object such as { at: 1024 }, got ${describeValue(resume)}`);
  }
  return { resume, resumeAt: undefined, reopen: false };
}

/** The headers appendStream sets for each append itself, lowercase. */
const OWN_HEADERS: Record<string, string> = {
  'content-length': 'appendStream sets it for each append',
  'content-md5': 'appendStream sets it for each append',
  'transfer-encoding': 'appendStream sends each append with its length',
  'content-type': 'pass the type as mime',
};

function assertHeaders(headers: unknown): asserts headers is Record<string, string> | undefined {
  assertOptionsObject('headers', headers);
  for (const [name, value] of Object.entries(headers ?? {})) {
    const option = `headers[${JSON.stringify(name)}]`;
    const own = OWN_HEADERS[name.toLowerCase()];
    if (own !== undefined) throw invalidType(option, `${option} must be left out: ${own}, got ${describeValue(value)}`);
    try {
      validateHeaderName(name);
    } catch {
      throw invalidValue('headers', `headers names must be HTTP tokens, got ${describeValue(name)}`);
    }
    if (typeof value !== 'string') throw invalidType(option, `${option} must be a string, got ${describeValue(value)}`);
    try {
      validateHeaderValue(name, value);
    } catch {
      throw invalidValue(option, `${option} must hold no control characters and nothing past Latin-1, got ${describeValue(value)}`);
    }
  }
}

/** appendStream's options, checked and with their defaults applied. */
export type ResolvedAppendStreamOptions = AppendConfig & { onProgress: ((progress: AppendProgress) => void) | undefined };

/**
 * appendStream's options checked and their defaults applied, as appendStream takes them; throws a TypeError or
 * RangeError that names the option (its `option`) and the value, and carries a `code`.
 */
export function resolveAppendStreamOptions(options: AppendStreamOptions | undefined): ResolvedAppendStreamOptions {
  assertOptionsObject('options', options);
  const {
    maxAppendBytes = DEFAULT_MAX_APPEND_BYTES,
    flushIntervalMs = DEFAULT_FLUSH_INTERVAL_MS,
    maxBufferedBytes: bufferedOption,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    retry,
    resume = false,
    markComplete = true,
    signal,
    mime,
    headers,
    onProgress,
  } = (options ?? {});
  assertInteger('maxAppendBytes', maxAppendBytes, 1, MOST_APPEND_BYTES);
  assertPositiveMs('flushIntervalMs', flushIntervalMs);
  const maxBufferedBytes = bufferedOption === undefined ? defaultMaxBufferedBytes(maxAppendBytes) : bufferedOption;
  assertInteger('maxBufferedBytes', maxBufferedBytes, maxAppendBytes);
  assertPositiveMs('requestTimeoutMs', requestTimeoutMs);
  assertBoolean('markComplete', markComplete);
  assertSignal(signal);
  assertMime(mime);
  assertHeaders(headers);
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw invalidType('onProgress', `onProgress must be a function, got ${describeValue(onProgress)}`);
  }
  // Copied: the headers go out as they were at the call.
  const creation = { ...(mime !== undefined && { mime }), ...(headers !== undefined && { headers: { ...headers } }) };
  return { maxAppendBytes, flushIntervalMs, maxBufferedBytes, requestTimeoutMs, retry: resolveRetry(retry), ...resolveResume(resume), markComplete, signal, creation, onProgress };
}
