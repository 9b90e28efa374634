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
import { Backoff, sleep } from './retry.js';

type Crc64 = (bytes: Buffer, previous: string) => string;

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
 * Whether a failed request may or may not have been applied, so that the object's length must be read before
 * sending again: network errors and timeouts (ali-oss status -1 and -2), 5xx, 408 and 429, and
 * PositionNotEqualToLength (an ali-oss retry of an append that had landed ends so too).
 */
function outcomeUnknown(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || error instanceof AppendStreamError) return false;
  const { status, name, code } = error as Record<string, unknown>;
  if (code === 'PositionNotEqualToLength') return true;
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
  #batch: Buffer | undefined;

  constructor(
    private readonly client: OSS,
    private readonly name: string,
    private readonly config: AppendConfig,
    private readonly crc64Of: Crc64,
    private readonly pendingBytes: () => number,
  ) {}

  account(): AppendAccount {
    const batchBytes = this.#batch?.length ?? 0;
    return {
      objectName: this.name,
      storedBytes: this.storedBytes,
      unconfirmedBytes: this.unconfirmedBytes,
      unsentBytes: this.pendingBytes() + batchBytes - this.unconfirmedBytes,
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

  /** Appends `batch` at the object's end. False: the signal aborted before it landed. */
  async append(batch: Buffer): Promise<boolean> {
    this.#batch = batch;
    if (this.position + batch.length > MAX_APPENDABLE_OBJECT_BYTES) {
      throw new ObjectTooLargeError(MAX_APPENDABLE_OBJECT_BYTES, batch.length, this.account());
    }
    return (await this.#retrying(() => this.#tryAppend(batch))) === true;
  }

  async #tryAppend(batch: Buffer): Promise<true | undefined> {
    if (this.unconfirmedBytes > 0) {
      const state = await this.#head();
      if (state.type !== undefined && state.type !== 'Appendable') throw new ObjectNotAppendableError(state.type, this.account());
      if (state.length === this.position + batch.length) return this.#landed(batch, state.crc64);
      if (state.length !== this.position) {
        // Shorter than with this batch: the batch is not in it.
        if (state.length < this.position + batch.length) this.unconfirmedBytes = 0;
        throw new AppendConflictError({ length: this.position + batch.length }, { length: state.length }, this.account());
      }
      // It did not land.
      this.unconfirmedBytes = 0;
      if (this.config.signal?.aborted) return undefined;
    }
    this.unconfirmedBytes = batch.length;
    const { res, nextAppendPosition } = await this.client
      .append(this.name, batch, { position: String(this.position), timeout: this.config.requestTimeoutMs })
      .catch((error: unknown) => {
        // An answer that says the append was refused says it was not applied.
        if (!outcomeUnknown(error)) this.unconfirmedBytes = 0;
        throw error;
      });
    const expected = this.position + batch.length;
    const next = nextAppendPosition === undefined ? expected : Number(nextAppendPosition);
    if (next !== expected) throw new AppendConflictError({ length: expected }, { length: next }, this.account());
    return this.#landed(batch, header(res, 'x-oss-hash-crc64ecma'));
  }

  #landed(batch: Buffer, reported: string | undefined): true {
    const expected = this.crc64 === undefined ? undefined : this.crc64Of(batch, this.crc64);
    if (reported !== undefined && expected !== undefined && reported !== expected) {
      const length = this.position + batch.length;
      throw new AppendConflictError({ length, crc64: expected }, { length, crc64: reported }, this.account());
    }
    this.crc64 = reported ?? expected;
    this.position += batch.length;
    this.storedBytes += batch.length;
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
        if (!outcomeUnknown(error)) throw this.#refusal(error);
        if (signal?.aborted) continue;
        const delay = backoff.next();
        if (delay === undefined) throw new AppendGaveUpError(backoff.failures, backoff.elapsedMs, error, this.account());
        this.retries += 1;
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
