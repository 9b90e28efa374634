import { createHash } from 'node:crypto';
import type OSS from 'ali-oss';
import { EMPTY_CRC64, type Crc64 } from '../crc64.js';
import { RequestCancelledError, sendCancellable } from '../cancellable.js';
import {
  AppendConflictError,
  AppendGaveUpError,
  AppendRefusedError,
  AppendStreamError,
  ObjectExistsError,
  ObjectNotAppendableError,
  ObjectTooLargeError,
  LogCompleteError,
  ResumeMismatchError,
  type AppendAccount,
} from './errors.js';
import { describeFailure } from '../../internal/failures.js';
import { markerIn, withMarker, type LogMarker } from '../log/marker.js';
import { tagging } from '../tagging.js';
import type { AppendConfig } from './options.js';
import { MAX_APPENDABLE_OBJECT_BYTES } from '../../internal/limits.js';
import { answerFromOss, confirmedAppend, isNoSuchObject, knownNotApplied, outcomeOf, reportedObject, type ObjectState } from '../answers.js';
import { Backoff, sleep, yieldToEventLoop } from '../retry.js';


/** How much of a batch's CRC-64 is worked out between two turns of the event loop. */
export const STEP_BYTES = 128 * 1024;



/**
 * How long the one HEAD after an abort may take: an abort settles within a second even when OSS does not
 * answer (a hanging request is cancelled at once).
 */
export const ABORT_CHECK_MS = 500;

/** How much longer than its timeout a request may take before this side ends it: ali-oss's own timeout comes first. */
const TIMEOUT_GRACE_MS = 1000;

export interface Batch {
  bytes: Buffer;
  /** Sent as Content-MD5 with every try, so OSS refuses a body that arrived damaged. */
  md5: string;
  /** The object's CRC-64 once the batch is in it, worked out once for every try: a large batch's while the first is in flight. */
  crc64?: { value: string };
}

/** What the Appender asks of the stream around it. */
export interface AppenderHooks {
  /** Bytes taken from the source and not in the batch being appended. */
  pendingBytes(): number;
  /** A try failed, and the retry is counted. */
  retried(): void;
}

/** The tags an object is created with: the `x-oss-tagging` header (URL-encoded `k=v&k2=v2`) of the creating append. */
function creationTags(headers: Record<string, string> | undefined): Record<string, string> {
  const header = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'x-oss-tagging')?.[1];
  return Object.fromEntries(new URLSearchParams(header ?? ''));
}

/**
 * Appends batches to one object, one at a time, exactly once each: a try whose outcome is unknown is
 * followed by a HEAD, and the object's length says whether it landed (move on), did not (send again), or
 * someone else wrote (conflict). An append counts as stored only when OSS itself confirmed it: its answer
 * or a HEAD's gives the object's length and a CRC-64 that matches what this call appended.
 */
export class Appender {
  position = 0;
  /** The object's CRC-64 as OSS writes it (decimal). */
  crc64 = EMPTY_CRC64;
  storedBytes = 0;
  unconfirmedBytes = 0;
  appends = 0;
  retries = 0;
  /** The batch being appended, until it is stored. */
  #batch: Batch | undefined;
  /** Whether an answer from OSS gave the object's length: until then the account's position is unknown. */
  #lengthKnown = false;
  /** start() found where this call writes: from then on the log is this call's to mark. */
  #started = false;
  /**
   * The object's tags as this call knows them: those it creates the object with (`x-oss-tagging`), or those it
   * read when resuming. A marker then takes one request; undefined: read them first.
   */
  #tags: Record<string, string> | undefined;
  /** The abort cancelled the last append mid-request: OSS may still apply it, so a HEAD can show only that it landed. */
  #cancelledMidRequest = false;

  constructor(
    private readonly client: OSS,
    private readonly name: string,
    private readonly config: AppendConfig,
    private readonly crc64Of: Crc64,
    private readonly hooks: AppenderHooks,
  ) {}

  account(): AppendAccount {
    const batchBytes = this.#batch?.bytes.length ?? 0;
    return {
      objectName: this.name,
      storedBytes: this.storedBytes,
      unconfirmedBytes: this.unconfirmedBytes,
      unsentBytes: this.hooks.pendingBytes() + batchBytes - this.unconfirmedBytes,
      position: this.#lengthKnown ? this.position : undefined,
      appends: this.appends,
      retries: this.retries,
    };
  }

  /** Finds where to start: a new object, or with `resume` the end of an appendable one. False: aborted. */
  async start(): Promise<boolean> {
    const state = await this.#retrying(() => this.#head());
    if (state === undefined) return false;
    this.#lengthKnown = true;
    const { resume, resumeAt } = this.config;
    if (state.type === undefined) {
      if (resumeAt !== undefined && resumeAt !== 0) throw new ResumeMismatchError(resumeAt, undefined, this.account());
      this.#tags = creationTags(this.config.creation.headers);
      return (this.#started = true);
    }
    this.position = state.length;
    if (!resume) throw new ObjectExistsError(state.type, state.length, this.account());
    if (state.type !== 'Appendable' || state.crc64 === undefined) throw new ObjectNotAppendableError(state.type, this.account());
    this.crc64 = state.crc64;
    if (resumeAt !== undefined && resumeAt !== state.length) throw new ResumeMismatchError(resumeAt, state.length, this.account());
    if (this.config.markComplete && !(await this.#reopen())) return false;
    return (this.#started = true);
  }

  /** Whether the log may be this call's to mark incomplete: it started writing, and there may be an object. */
  get mayMark(): boolean {
    return this.#started && (this.position > 0 || this.unconfirmedBytes > 0);
  }

  /**
   * Resuming: a log its writer marked complete is refused unless `reopen`; a marker an earlier run left is
   * replaced by 'open', so followers do not stop on it. A refused tagging request leaves the log as it is: without
   * the permission there is no marker to honour. False: aborted.
   */
  async #reopen(): Promise<boolean> {
    try {
      const tags = await this.#retrying(() => this.#readTags());
      if (tags === undefined) return false;
      // Gone since the HEAD: the first append finds out.
      if (tags === null) return true;
      this.#tags = tags;
      const marker = markerIn(tags);
      if (marker?.state === 'complete' && !this.config.reopen) throw new LogCompleteError(marker.length, this.account());
      if (marker === undefined || marker.state === 'open') return true;
      return (await this.#retrying(() => this.#writeTags(withMarker(tags, { state: 'open' })))) !== undefined;
    } catch (error) {
      if (error instanceof AppendRefusedError) return true;
      throw error;
    }
  }

  /**
   * Puts `marker` on the log, keeping its other tags. `boundMs`: one try within that long (a writer that failed);
   * otherwise retried as appends are. Resolves with why it could not, or undefined once OSS confirmed it.
   */
  async mark(marker: LogMarker, boundMs?: number): Promise<string | undefined> {
    const deadline = boundMs === undefined ? undefined : Date.now() + boundMs;
    const left = (): number | undefined => (deadline === undefined ? undefined : Math.max(1, deadline - Date.now()));
    const once = async (): Promise<true> => {
      const tags = this.#tags ?? (await this.#readTags(left()));
      if (tags === null) throw new Error('the object does not exist');
      await this.#writeTags(withMarker(tags, marker), left());
      return true;
    };
    try {
      const done = deadline === undefined ? await this.#retrying(once) : await once();
      return done ? undefined : 'aborted before the marker was written';
    } catch (error) {
      return describeFailure(error instanceof AppendStreamError ? (error.cause ?? error) : error);
    }
  }

  /** The object's tags; null: there is no such object. */
  async #readTags(limitMs?: number): Promise<Record<string, string> | null> {
    try {
      const { res, tag } = await this.#send((client, timeout) => tagging(client).getObjectTagging(this.name, { timeout }), limitMs);
      answerFromOss('tagging', res);
      return tag;
    } catch (error) {
      if (isNoSuchObject(error)) return null;
      throw error;
    }
  }

  async #writeTags(tags: Record<string, string>, limitMs?: number): Promise<true> {
    const { res } = await this.#send((client, timeout) => tagging(client).putObjectTagging(this.name, tags, { timeout }), limitMs);
    answerFromOss('tagging', res);
    this.#tags = tags;
    return true;
  }

  /** `bytes` ready to append: its MD5 worked out (ali-oss would copy the body to do it). */
  prepare(bytes: Buffer): Batch {
    return { bytes, md5: createHash('md5').update(bytes).digest('base64') };
  }

  /** Appends `batch` at the object's end. False: the signal aborted before it was confirmed. */
  async append(batch: Batch): Promise<boolean> {
    this.#batch = batch;
    if (this.position + batch.bytes.length > MAX_APPENDABLE_OBJECT_BYTES) {
      throw new ObjectTooLargeError(MAX_APPENDABLE_OBJECT_BYTES, batch.bytes.length, this.account());
    }
    return (await this.#retrying(() => this.#tryAppend(batch))) === true;
  }

  async #tryAppend(batch: Batch): Promise<true> {
    if (this.unconfirmedBytes > 0 && (await this.#checkLanded(batch))) return true;
    // Aborted while the check was answered: no new append starts.
    if (this.config.signal?.aborted) throw new RequestCancelledError('by the abort');
    const end = this.position + batch.bytes.length;
    this.unconfirmedBytes = batch.bytes.length;
    // OSS takes the object's type and metadata from the append that creates it, and only from it.
    const creation = this.position === 0 ? this.config.creation : undefined;
    const request = this.#send((client, timeout) =>
      client.append(this.name, batch.bytes, {
        position: String(this.position),
        timeout,
        mime: creation?.mime,
        headers: { ...creation?.headers, 'Content-MD5': batch.md5 },
      }),
    ).catch((error: unknown) => {
      if (knownNotApplied(error)) this.unconfirmedBytes = 0;
      if (error instanceof RequestCancelledError && this.config.signal?.aborted) this.#cancelledMidRequest = true;
      throw error;
    });
    // Together: the request may fail while the CRC-64 is worked out, and its failure must have a handler then.
    const [{ res }] = await Promise.all([request, this.#workOutCrc64(batch)]);
    const confirmed = confirmedAppend(res);
    if (confirmed.length !== end) this.#conflict(batch, confirmed);
    return this.#landed(batch, confirmed.crc64);
  }

  /**
   * After a try of unknown outcome: whether `batch` landed, from the object's length as a HEAD reports it.
   * False: it did not, and can be sent again. Throws when someone else wrote.
   */
  async #checkLanded(batch: Batch): Promise<boolean> {
    const state = await this.#head();
    if (state.type !== undefined && state.type !== 'Appendable') throw new ObjectNotAppendableError(state.type, this.account());
    if (state.length === this.position + batch.bytes.length) return this.#landed(batch, state.crc64);
    if (state.length !== this.position) this.#conflict(batch, state);
    this.unconfirmedBytes = 0;
    return false;
  }

  /**
   * Before stopping (an abort, or the retry limits reached), one HEAD bounded by ABORT_CHECK_MS learns whether the
   * last append of unknown outcome landed. What it cannot learn stays unconfirmed.
   */
  async #lastCheck(): Promise<void> {
    const batch = this.#batch;
    if (this.unconfirmedBytes === 0 || batch === undefined) return;
    try {
      const state = await this.#head(ABORT_CHECK_MS);
      if (state.type === 'Appendable' && state.length === this.position + batch.bytes.length) this.#landed(batch, state.crc64);
      else if (state.length === this.position && !this.#cancelledMidRequest) this.unconfirmedBytes = 0;
    } catch {
      // Unanswered, or not what this call appended: the last append stays "may or may not have landed".
    }
  }

  /**
   * Works the expected CRC-64 out while OSS handles the request, not after it answers. A large batch goes in
   * slices, each after a turn of the event loop, so the request's body goes out first and keeps going out
   * meanwhile; a small one takes no time worth a turn.
   */
  async #workOutCrc64(batch: Batch): Promise<void> {
    if (batch.crc64 !== undefined || batch.bytes.length <= STEP_BYTES) return;
    let crc = this.crc64;
    for (let offset = 0; offset < batch.bytes.length; offset += STEP_BYTES) {
      await yieldToEventLoop();
      crc = this.crc64Of(batch.bytes.subarray(offset, offset + STEP_BYTES), crc);
    }
    batch.crc64 = { value: crc };
  }

  #expectedCrc64(batch: Batch): string {
    batch.crc64 ??= { value: this.crc64Of(batch.bytes, this.crc64) };
    return batch.crc64.value;
  }

  /** OSS reported `reported` as the CRC-64 of the object with `batch` in it: stored, if it is what this call appended. */
  #landed(batch: Batch, reported: string | undefined): true {
    const expected = this.#expectedCrc64(batch);
    const end = this.position + batch.bytes.length;
    if (reported !== expected) this.#conflict(batch, { length: end, crc64: reported }, expected);
    this.crc64 = reported;
    this.position = end;
    this.storedBytes += batch.bytes.length;
    this.appends += 1;
    this.unconfirmedBytes = 0;
    this.#batch = undefined;
    return true;
  }

  /**
   * OSS reported a length or content that is not what this call appended: from now on the account says what OSS
   * reported. The batch is unconfirmed while the reported length could hold it.
   */
  #conflict(batch: Batch, reported: { length: number; crc64: string | undefined }, expectedCrc64?: string): never {
    const expected = { length: this.position + batch.bytes.length, crc64: expectedCrc64 };
    this.unconfirmedBytes = reported.length > expected.length ? batch.bytes.length : 0;
    this.position = reported.length;
    throw new AppendConflictError(expected, reported, this.account());
  }

  /**
   * Sends one request: cancelled when the signal aborts. Bounded by `limitMs` instead where given, and after an
   * abort (the check) by ABORT_CHECK_MS: those are not cancelled, they are what runs after the abort.
   */
  #send<T>(send: (client: OSS, timeout: number) => Promise<T>, limitMs?: number): Promise<T> {
    const { signal, requestTimeoutMs } = this.config;
    const bound = limitMs ?? (signal?.aborted ? ABORT_CHECK_MS : undefined);
    if (bound !== undefined) return sendCancellable(this.client, undefined, bound, (client) => send(client, bound));
    return sendCancellable(this.client, signal, requestTimeoutMs + TIMEOUT_GRACE_MS, (client) => send(client, requestTimeoutMs));
  }

  async #head(limitMs?: number): Promise<ObjectState> {
    try {
      const { res } = await this.#send((client, timeout) => client.head(this.name, { timeout }), limitMs);
      return reportedObject(res);
    } catch (error) {
      if (isNoSuchObject(error)) return { type: undefined, length: 0, crc64: EMPTY_CRC64 };
      throw error;
    }
  }

  /**
   * Runs `step` until it returns, retrying failures on the backoff schedule: those whose outcome is unknown (the
   * next step checks the object first) and those OSS said it did not apply. Undefined: the signal aborted. After
   * an abort no new request starts but one bounded HEAD that learns whether the last append landed.
   */
  async #retrying<T>(step: () => Promise<T>): Promise<T | undefined> {
    const backoff = new Backoff(this.config.retry);
    const { signal } = this.config;
    for (;;) {
      if (signal?.aborted) {
        await this.#lastCheck();
        return undefined;
      }
      try {
        return await step();
      } catch (error) {
        if (error instanceof AppendStreamError || outcomeOf(error) === 'refused') throw this.#refusal(error);
        if (signal?.aborted) continue;
        const delay = backoff.next();
        if (delay === undefined) {
          await this.#lastCheck();
          throw new AppendGaveUpError(backoff.failures, backoff.elapsedMs, error, this.account());
        }
        this.retries += 1;
        this.hooks.retried();
        await sleep(delay, signal);
      }
    }
  }

  #refusal(error: unknown): Error {
    if (error instanceof AppendStreamError) return error;
    const { code } = (error ?? {}) as { code?: unknown };
    if (code === 'ObjectNotAppendable') return new ObjectNotAppendableError(undefined, this.account(), { cause: error });
    if (code === 'EntityTooLarge') {
      return new ObjectTooLargeError(MAX_APPENDABLE_OBJECT_BYTES, this.#batch?.bytes.length ?? 0, this.account(), { cause: error });
    }
    return new AppendRefusedError(error, this.account());
  }
}
