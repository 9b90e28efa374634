import { createHash } from 'node:crypto';
import type OSS from 'ali-oss';
import { crc64InSlices } from '../../crc64.js';
import {
  AppendConflictError,
  AppendGaveUpError,
  AppendRefusedError,
  AppendStreamError,
  ObjectExistsError,
  ObjectNotAppendableError,
  ObjectTooLargeError,
  type AppendAccount,
} from './errors.js';
import { MAX_APPENDABLE_OBJECT_BYTES, type AppendConfig } from './options.js';
import { Backoff, sleep, yieldToEventLoop } from './retry.js';

type Crc64 = (bytes: Buffer, previous: string) => string;

/** How much of a batch's CRC-64 is worked out between two turns of the event loop. */
export const STEP_BYTES = 128 * 1024;

/** The CRC-64 of no bytes, as OSS writes it. */
const EMPTY_CRC64 = '0';

let loadingCrc64: Promise<Crc64> | undefined;

/** Loaded on first use: the module sets up a 16 MiB heap that users of putStream alone need not pay for. */
export function loadCrc64(): Promise<Crc64> {
  loadingCrc64 ??= import('crc64-ecma182.js').then(
    ({ crc64 }) =>
      (bytes: Buffer, previous: string): string =>
        crc64InSlices(crc64, bytes, previous),
  );
  return loadingCrc64;
}

export interface Batch {
  bytes: Buffer;
  /** Sent as Content-MD5 with every try, so OSS refuses a body that arrived damaged. */
  md5: string;
  /** The object's CRC-64 once the batch is in it, worked out once for every try: a large batch's while the first is in flight. */
  crc64?: { value: string | undefined };
}

/** What the Appender asks of the stream around it. */
export interface AppenderHooks {
  /** Bytes taken from the source and not in the batch being appended. */
  pendingBytes(): number;
  /** A try failed, and the retry is counted. */
  retried(): void;
}

interface ObjectState {
  /** Undefined: there is no such object. */
  type: string | undefined;
  length: number;
  crc64: string | undefined;
}

function header(response: { headers: object }, name: string): string | undefined {
  const value = (response.headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether a retry can fix a failed request: those that may or may not have been applied, so that the object's
 * length must be read before sending again (network errors and timeouts: ali-oss status -1 and -2; 5xx, 408 and
 * 429; PositionNotEqualToLength, as an ali-oss retry of an append that had landed ends), and a body that arrived
 * damaged (InvalidDigest: OSS checked the Content-MD5 and refused it).
 */
function retriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || error instanceof AppendStreamError) return false;
  const { status, name, code } = error as Record<string, unknown>;
  if (code === 'PositionNotEqualToLength' || code === 'InvalidDigest') return true;
  if (name === 'ResponseTimeoutError' || name === 'ConnectionTimeoutError') return true;
  return typeof status === 'number' && (status === -1 || status === -2 || status >= 500 || status === 408 || status === 429);
}

/**
 * Appends batches to one object, one at a time, exactly once each: a try whose outcome is unknown is
 * followed by a HEAD, and the object's length says whether it landed (move on), did not (send again), or
 * someone else wrote (conflict). Every landed append is checked against OSS's CRC-64 where OSS gives it.
 */
export class Appender {
  position = 0;
  /** The object's CRC-64 as OSS writes it (decimal); undefined when resuming an object OSS gave none for. */
  crc64: string | undefined = EMPTY_CRC64;
  storedBytes = 0;
  unconfirmedBytes = 0;
  appends = 0;
  retries = 0;
  /** The batch being appended, until it is stored. */
  #batch: Batch | undefined;

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
      position: this.position,
      appends: this.appends,
      retries: this.retries,
    };
  }

  /** Finds where to start: a new object, or with `resume` the end of an appendable one. False: aborted. */
  async start(): Promise<boolean> {
    const state = await this.#retrying(() => this.#head());
    if (state === undefined) return false;
    if (state.type === undefined) return true;
    this.position = state.length;
    this.crc64 = state.crc64;
    if (!this.config.resume) throw new ObjectExistsError(state.type, state.length, this.account());
    if (state.type !== 'Appendable') throw new ObjectNotAppendableError(state.type, this.account());
    return true;
  }

  /** `bytes` ready to append: its MD5 worked out (ali-oss would copy the body to do it). */
  prepare(bytes: Buffer): Batch {
    return { bytes, md5: createHash('md5').update(bytes).digest('base64') };
  }

  /** Appends `batch` at the object's end. False: the signal aborted before it landed. */
  async append(batch: Batch): Promise<boolean> {
    this.#batch = batch;
    if (this.position + batch.bytes.length > MAX_APPENDABLE_OBJECT_BYTES) {
      throw new ObjectTooLargeError(MAX_APPENDABLE_OBJECT_BYTES, batch.bytes.length, this.account());
    }
    return (await this.#retrying(() => this.#tryAppend(batch))) === true;
  }

  async #tryAppend(batch: Batch): Promise<true | undefined> {
    const end = this.position + batch.bytes.length;
    if (this.unconfirmedBytes > 0) {
      const state = await this.#head();
      if (state.type !== undefined && state.type !== 'Appendable') throw new ObjectNotAppendableError(state.type, this.account());
      if (state.length === end) return this.#landed(batch, state.crc64);
      if (state.length !== this.position) {
        // Shorter than with this batch: the batch is not in it.
        if (state.length < end) this.unconfirmedBytes = 0;
        throw new AppendConflictError({ length: end }, { length: state.length }, this.account());
      }
      // It did not land.
      this.unconfirmedBytes = 0;
      if (this.config.signal?.aborted) return undefined;
    }
    this.unconfirmedBytes = batch.bytes.length;
    // OSS takes the object's type and metadata from the append that creates it, and only from it.
    const creation = this.position === 0 ? this.config.creation : undefined;
    const request = this.client
      .append(this.name, batch.bytes, {
        position: String(this.position),
        timeout: this.config.requestTimeoutMs,
        mime: creation?.mime,
        headers: { ...creation?.headers, 'Content-MD5': batch.md5 },
      })
      .catch((error: unknown) => {
        // An answer that says the append was refused says it was not applied.
        if (!retriable(error)) this.unconfirmedBytes = 0;
        throw error;
      });
    // Together: the request may fail while the CRC-64 is worked out, and its failure must have a handler then.
    const [{ res, nextAppendPosition }] = await Promise.all([request, this.#workOutCrc64(batch)]);
    const next = nextAppendPosition === undefined ? end : Number(nextAppendPosition);
    if (next !== end) throw new AppendConflictError({ length: end }, { length: next }, this.account());
    return this.#landed(batch, header(res, 'x-oss-hash-crc64ecma'));
  }

  /**
   * Works the expected CRC-64 out while OSS handles the request, not after it answers. A large batch goes in
   * slices, each after a turn of the event loop, so the request's body goes out first and keeps going out
   * meanwhile; a small one takes no time worth a turn.
   */
  async #workOutCrc64(batch: Batch): Promise<void> {
    if (batch.crc64 !== undefined || this.crc64 === undefined || batch.bytes.length <= STEP_BYTES) return;
    let crc = this.crc64;
    for (let offset = 0; offset < batch.bytes.length; offset += STEP_BYTES) {
      await yieldToEventLoop();
      crc = this.crc64Of(batch.bytes.subarray(offset, offset + STEP_BYTES), crc);
    }
    batch.crc64 = { value: crc };
  }

  #expectedCrc64(batch: Batch): string | undefined {
    batch.crc64 ??= { value: this.crc64 === undefined ? undefined : this.crc64Of(batch.bytes, this.crc64) };
    return batch.crc64.value;
  }

  #landed(batch: Batch, reported: string | undefined): true {
    const expected = this.#expectedCrc64(batch);
    if (reported !== undefined && expected !== undefined && reported !== expected) {
      const length = this.position + batch.bytes.length;
      throw new AppendConflictError({ length, crc64: expected }, { length, crc64: reported }, this.account());
    }
    this.crc64 = reported ?? expected;
    this.position += batch.bytes.length;
    this.storedBytes += batch.bytes.length;
    this.appends += 1;
    this.unconfirmedBytes = 0;
    this.#batch = undefined;
    return true;
  }

  async #head(): Promise<ObjectState> {
    try {
      const { res } = await this.client.head(this.name, { timeout: this.config.requestTimeoutMs });
      const next = header(res, 'x-oss-next-append-position');
      return {
        type: header(res, 'x-oss-object-type') ?? (next === undefined ? 'Normal' : 'Appendable'),
        length: Number(next ?? header(res, 'content-length')),
        crc64: header(res, 'x-oss-hash-crc64ecma'),
      };
    } catch (error) {
      if ((error as { status?: unknown } | null)?.status === 404) return { type: undefined, length: 0, crc64: EMPTY_CRC64 };
      throw error;
    }
  }

  /**
   * Runs `step` until it returns, retrying failures of unknown outcome on the backoff schedule. Undefined:
   * the signal aborted. After an abort no new append starts, but one more HEAD learns whether the last landed.
   */
  async #retrying<T>(step: () => Promise<T | undefined>): Promise<T | undefined> {
    const backoff = new Backoff(this.config.retry);
    const { signal } = this.config;
    let checkedAfterAbort = false;
    for (;;) {
      if (signal?.aborted) {
        if (this.unconfirmedBytes === 0 || checkedAfterAbort) return undefined;
        checkedAfterAbort = true;
      }
      try {
        return await step();
      } catch (error) {
        if (!retriable(error)) throw this.#refusal(error);
        if (signal?.aborted) continue;
        const delay = backoff.next();
        if (delay === undefined) throw new AppendGaveUpError(backoff.failures, backoff.elapsedMs, error, this.account());
        this.retries += 1;
        this.hooks.retried();
        await sleep(delay, signal);
      }
    }
  }

  #refusal(error: unknown): Error {
    if (error instanceof AppendStreamError) return error;
    if ((error as { code?: unknown } | null)?.code === 'ObjectNotAppendable') {
      return new ObjectNotAppendableError(undefined, this.account(), { cause: error });
    }
    return new AppendRefusedError(error, this.account());
  }
}
