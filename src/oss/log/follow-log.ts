import { Readable } from 'node:stream';
import type OSS from 'ali-oss';
import { answerFromOss, answeredByOss, crc64In, header, isNoSuchObject, NotOssAnswerError, outcomeOf } from '../answers.js';
import { sendCancellable } from '../cancellable.js';
import { EMPTY_CRC64, loadCrc64, type Crc64 } from '../crc64.js';
import { Backoff, resolveRetry, sleep, type RetryLimits, type RetryOptions } from '../retry.js';
import { tagging } from '../tagging.js';
import { assertClient, assertObjectName } from '../../internal/oss-validation.js';
import { assertInteger, assertOptionsObject, assertPositiveMs, assertSignal } from '../../internal/validation.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../append/options.js';
import { MAX_APPENDABLE_OBJECT_BYTES } from '../../internal/limits.js';
import { describeFailure } from '../../internal/failures.js';
import { FollowLogError, type FollowLogErrorCode } from './follow-errors.js';
import { markerIn, type LogMarker } from './marker.js';

export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** The most bytes one poll reads: a follower that starts far behind catches up in bounded steps. */
export const READ_BYTES = 8 * 2 ** 20;
/** How much longer than its timeout a request may take before the follower ends it: ali-oss's own comes first. */
const TIMEOUT_GRACE_MS = 1000;

export interface FollowLogOptions {
  /** The offset of the first byte to read. Default 0; from 0 on, what is read is checked against OSS's CRC-64. */
  start?: number | undefined;
  /** How long to wait between two polls that found nothing new, in ms. Default 1000. */
  pollIntervalMs?: number | undefined;
  /** Error with ERR_LOG_STALLED once the log has not grown for this long, in ms. Default: wait for ever. */
  giveUpAfterMs?: number | undefined;
  /** Stops following: the stream is destroyed with an AbortError, and the request in flight is cancelled. */
  signal?: AbortSignal | undefined;
  /** How long one request may take before it counts as failed (and is retried), in ms. Default 60_000. */
  requestTimeoutMs?: number | undefined;
  /** How failed requests are retried, as appendStream's. Transient failures never reach the stream. */
  retry?: RetryOptions | undefined;
}

export interface FollowConfig {
  start: number;
  pollIntervalMs: number;
  giveUpAfterMs: number | undefined;
  signal: AbortSignal | undefined;
  requestTimeoutMs: number;
  retry: RetryLimits;
}

/**
 * followLog's options checked and their defaults applied, as followLog takes them; throws a TypeError or
 * RangeError that names the option (its `option`) and carries a `code`.
 */
export function resolveFollowLogOptions(options: FollowLogOptions | undefined): FollowConfig {
  assertOptionsObject('options', options);
  const {
    start = 0,
    pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
    giveUpAfterMs,
    signal,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    retry,
  } = (options ?? {});
  assertInteger('start', start, 0, MAX_APPENDABLE_OBJECT_BYTES);
  assertPositiveMs('pollIntervalMs', pollIntervalMs);
  if (giveUpAfterMs !== undefined) assertPositiveMs('giveUpAfterMs', giveUpAfterMs);
  assertSignal(signal);
  assertPositiveMs('requestTimeoutMs', requestTimeoutMs);
  return { start, pollIntervalMs, giveUpAfterMs, signal, requestTimeoutMs, retry: resolveRetry(retry) };
}

/** What a poll found: more to read now, nothing new for now, or the end of a complete log. */
type Step = 'more' | 'wait' | 'done';

/** A ranged GET's answer as ali-oss resolves with it. */
interface GetAnswer {
  res: { status: number; headers: object };
  content: Buffer;
}

/** Where a GET's body starts in the object, and the object's length, from a 206's Content-Range or a 200's body. */
function spanOf({ res, content }: GetAnswer): { first: number; total: number } {
  if (res.status !== 206) return { first: 0, total: content.length };
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header(res.headers, 'content-range') ?? '');
  if (range === null || Number(range[2]) - Number(range[1]) + 1 !== content.length) {
    throw new NotOssAnswerError('GET', res.status, 'a Content-Range that matches its body');
  }
  return { first: Number(range[1]), total: Number(range[3]) };
}

/**
 * A log as it grows: the bytes of an object, from `start`, as they land. One request per poll: a ranged GET that
 * re-reads the last byte it has (so a replaced object shows) and whatever came after it; while the log is silent,
 * some polls read the completion marker instead. Ends once the writer marked the log complete and what was read
 * matches it; errors (FollowLogError) when the log was replaced, cut, deleted or ended incomplete, or stalled.
 */
export class LogFollower extends Readable {
  readonly objectName: string;
  readonly #client: OSS;
  readonly #config: FollowConfig;
  #offset: number;
  /** The CRC-64 of the bytes before #offset: known when following from 0. */
  #crc: string | undefined;
  #lastByte: number | undefined;
  /** Whether the object has been seen: a 404 before is a log not yet written, after it a deleted one. */
  #exists = false;
  #marker: LogMarker | undefined;
  /** Polls in a row that found nothing new. */
  #silentPolls = 0;
  #lastGrowthAt = Date.now();
  #complete = false;
  /** Whether a read has reached the object's end: the first time, the marker is read at once. */
  #caughtUp = false;
  #running = false;
  #wanted = true;
  #onDemand: (() => void) | undefined;
  readonly #stop = new AbortController();
  readonly #onAbort = (): void => {
    this.destroy(this.#error('ABORT_ERR', 'the signal aborted', { cause: this.#config.signal?.reason }));
  };

  constructor(client: OSS, name: string, config: FollowConfig) {
    super();
    this.#client = client;
    this.objectName = name;
    this.#config = config;
    this.#offset = config.start;
    this.#crc = config.start === 0 ? EMPTY_CRC64 : undefined;
    if (config.signal?.aborted) process.nextTick(this.#onAbort);
    else config.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Bytes of the log read so far, from its start: the next byte's offset. */
  get position(): number {
    return this.#offset;
  }

  /** Whether the log ended complete: the stream has ended, or is about to. */
  get complete(): boolean {
    return this.#complete;
  }

  override _read(): void {
    this.#wanted = true;
    this.#onDemand?.();
    if (this.#running) return;
    this.#running = true;
    this.#follow().then(
      () => {
        if (!this.destroyed) this.push(null);
      },
      (error: unknown) => {
        if (!this.destroyed) this.destroy(error as Error);
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#config.signal?.removeEventListener('abort', this.#onAbort);
    this.#stop.abort();
    this.#onDemand?.();
    callback(error);
  }

  async #follow(): Promise<void> {
    const crc64Of = await loadCrc64();
    let failures = new Backoff(this.#config.retry);
    /** The failure the requests are retrying, if the last one failed: why a stall may be no silence at all. */
    let failing: unknown;
    for (;;) {
      this.#checkStalled(failing);
      let step: Step;
      try {
        step = await this.#poll(crc64Of);
        failures = new Backoff(this.#config.retry);
        failing = undefined;
      } catch (error) {
        failing = error;
        if (error instanceof FollowLogError || this.#stop.signal.aborted) throw error;
        if (outcomeOf(error) === 'refused') {
          throw this.#error('ERR_FOLLOW_REFUSED', 'a request was refused, and retrying cannot help', { cause: error });
        }
        const delay = failures.next();
        if (delay === undefined) {
          throw this.#error('ERR_FOLLOW_GAVE_UP', `requests kept failing (${failures.failures} tries)`, { cause: error });
        }
        await sleep(delay, this.#stop.signal);
        continue;
      }
      if (step === 'done') return;
      if (!this.#wanted) await new Promise<void>((resolve) => (this.#onDemand = resolve));
      this.#onDemand = undefined;
      if (step === 'wait') await sleep(this.#config.pollIntervalMs, this.#stop.signal);
      if (this.#stop.signal.aborted) return;
    }
  }

  /** `failing`: the last request failed, and it is the `cause`: OSS unreachable is not a log that stopped growing. */
  #checkStalled(failing: unknown): void {
    const { giveUpAfterMs } = this.#config;
    if (giveUpAfterMs !== undefined && Date.now() - this.#lastGrowthAt >= giveUpAfterMs) {
      const why = failing === undefined ? '' : `, and the last request failed (${describeFailure(failing)})`;
      throw this.#error('ERR_LOG_STALLED', `the log has not grown for ${giveUpAfterMs} ms (giveUpAfterMs)${why}`, {
        cause: failing,
      });
    }
  }

  /** One request: the marker after 1, 2 and 4 polls that found nothing new, then after every 8th; else a ranged GET. */
  #poll(crc64Of: Crc64): Promise<Step> {
    const silent = this.#silentPolls;
    const markerDue = this.#exists && this.#marker === undefined && silent > 0 && (silent <= 2 || silent === 4 || silent % 8 === 0);
    return markerDue ? this.#readMarker() : this.#read(crc64Of);
  }

  #send<T>(send: (client: OSS, timeout: number) => Promise<T>): Promise<T> {
    const { requestTimeoutMs } = this.#config;
    return sendCancellable(this.#client, this.#stop.signal, requestTimeoutMs + TIMEOUT_GRACE_MS, (client) => send(client, requestTimeoutMs));
  }

  async #readMarker(): Promise<Step> {
    this.#silentPolls += 1;
    return this.#noteMarker(await this.#fetchMarker());
  }

  /** A marker that ends the log (complete or incomplete): read what the writer appended last, then end or stop. */
  #noteMarker(marker: LogMarker | undefined): Step {
    if (marker === undefined || marker.state === 'open') return 'wait';
    this.#marker = marker;
    return 'more';
  }

  async #fetchMarker(): Promise<LogMarker | undefined> {
    let tags: Record<string, string>;
    try {
      const { res, tag } = await this.#send((client, timeout) => tagging(client).getObjectTagging(this.objectName, { timeout }));
      answerFromOss('tagging', res);
      tags = tag;
    } catch (error) {
      if (isNoSuchObject(error)) throw this.#error('ERR_LOG_DELETED', 'the object was deleted');
      throw error;
    }
    return markerIn(tags);
  }

  async #read(crc64Of: Crc64): Promise<Step> {
    // The byte before the offset comes along: a replaced object shows at once, and "nothing new" is never a 416.
    const probe = this.#offset > 0 ? 1 : 0;
    const from = this.#offset - probe;
    const headers = { Range: `bytes=${from}-${from + READ_BYTES - 1}`, 'x-oss-range-behavior': 'standard' };
    let answer: GetAnswer;
    try {
      answer = (await this.#send((client, timeout) => client.get(this.objectName, undefined, { headers, timeout }))) as GetAnswer;
    } catch (error) {
      return this.#readFailed(error);
    }
    answerFromOss('GET', answer.res);
    this.#exists = true;
    const { first, total } = spanOf(answer);
    if (total < this.#offset) {
      if (this.#lastByte !== undefined) throw this.#error('ERR_LOG_TRUNCATED', `the object is ${total} bytes long now`);
      return this.#beforeStart(total);
    }
    const fresh = first === from ? this.#afterProbe(answer.content, probe) : this.#afterWhole(answer.content, crc64Of);
    if (fresh.length > 0) this.#emit(fresh, crc64Of);
    if (this.#offset < total) return 'more';
    const step = this.#atEnd(answer.res.headers, fresh.length > 0);
    if (step !== 'wait' || this.#caughtUp) return step;
    // Caught up the first time: a log complete already ends now, not a silence later (once per follower).
    this.#caughtUp = true;
    return this.#noteMarker(await this.#fetchMarker());
  }

  /** A failed GET: a log not written yet, one deleted, or one now shorter than what was read (416). */
  #readFailed(error: unknown): Step {
    const { status } = (error ?? {}) as { status?: unknown };
    if (status === 416 && answeredByOss(error)) {
      if (this.#lastByte !== undefined) throw this.#error('ERR_LOG_TRUNCATED', 'the object is shorter than what was read');
      // An empty object, or one shorter than start: nothing to read yet.
      this.#exists = true;
      return this.#beforeStart(undefined);
    }
    if (!isNoSuchObject(error)) throw error;
    if (this.#exists) throw this.#error('ERR_LOG_DELETED', 'the object was deleted');
    return this.#nothingNew();
  }

  /**
   * Nothing read yet, and the log ends before `start`: it may grow there, unless its writer marked it complete
   * (or ended it) shorter than that.
   */
  #beforeStart(total: number | undefined): Step {
    if (this.#marker !== undefined) {
      const length = this.#marker.length ?? total;
      throw this.#error('ERR_LOG_TRUNCATED', `the log ended${length === undefined ? '' : ` at ${length} bytes`}, before start`);
    }
    return this.#nothingNew();
  }

  #nothingNew(): Step {
    this.#silentPolls += 1;
    return 'wait';
  }

  /** A ranged answer from the byte before the offset: that byte must be the one read before. */
  #afterProbe(body: Buffer, probe: number): Buffer {
    if (probe === 1 && this.#lastByte !== undefined && body[0] !== this.#lastByte) {
      throw this.#error('ERR_LOG_REPLACED', `byte ${this.#offset - 1} is not the one read before`);
    }
    return body.subarray(probe);
  }

  /** The whole object (a proxy or cache that ignores Range): what was read must be its start. */
  #afterWhole(body: Buffer, crc64Of: Crc64): Buffer {
    if (this.#crc !== undefined && crc64Of(body.subarray(0, this.#offset), EMPTY_CRC64) !== this.#crc) {
      throw this.#error('ERR_LOG_REPLACED', 'its start is not what was read');
    }
    return body.subarray(this.#offset);
  }

  #emit(bytes: Buffer, crc64Of: Crc64): void {
    if (this.#crc !== undefined) this.#crc = crc64Of(bytes, this.#crc);
    this.#offset += bytes.length;
    this.#lastByte = bytes[bytes.length - 1];
    this.#lastGrowthAt = Date.now();
    this.#silentPolls = 0;
    this.#wanted = this.push(bytes);
  }

  /** At the object's end as it is now: whole-object checks, then the marker's word, if any. */
  #atEnd(headers: object, grew: boolean): Step {
    const reported = crc64In(headers);
    if (this.#crc !== undefined && reported !== undefined && reported !== this.#crc) {
      throw this.#error('ERR_LOG_REPLACED', 'its CRC-64 is not that of what was read');
    }
    // Not an appendable object (a putStreamWithHeartbeat upload): complete once it exists.
    if (header(headers, 'x-oss-object-type') !== 'Appendable') return this.#completed();
    const marker = this.#marker;
    if (marker?.state === 'complete') {
      if (this.#offset < marker.length!) throw this.#error('ERR_LOG_REPLACED', `it is shorter than the ${marker.length} bytes it was marked complete at`);
      if (this.#offset === marker.length) {
        if (this.#crc !== undefined && this.#crc !== marker.crc64) throw this.#error('ERR_LOG_REPLACED', 'its CRC-64 is not the one it was marked complete with');
        return this.#completed();
      }
      // Longer than it was marked complete at: a later run reopened it.
      this.#marker = undefined;
    }
    if (marker?.state === 'incomplete' && !grew) {
      throw this.#error('ERR_LOG_INCOMPLETE', 'the writer ended without completing the log (it failed or was aborted)');
    }
    if (!grew) this.#silentPolls += 1;
    return this.#marker === undefined ? 'wait' : 'more';
  }

  #completed(): Step {
    this.#complete = true;
    return 'done';
  }

  #error(code: FollowLogErrorCode, what: string, options?: ErrorOptions): FollowLogError {
    return new FollowLogError(code, this.objectName, this.#offset, what, options);
  }
}

/**
 * Follows the log `name` as appendStream writes it: a Readable of its bytes from `start`, as they land. It may
 * start before the object exists. It ends once the writer marked the log complete and what was read matches the
 * marker's length and CRC-64; it errors with a FollowLogError when the log is replaced, cut, deleted or ended
 * incomplete, when `giveUpAfterMs` passes without growth, or when requests keep failing past `retry`.
 */
export function followLog(client: OSS, name: string, options: FollowLogOptions = {}): LogFollower {
  assertClient(client, ['get', 'getObjectTagging']);
  assertObjectName(name);
  return new LogFollower(client, name, resolveFollowLogOptions(options));
}
