import { finished, type Readable } from 'node:stream';
import { describeValue } from '../../internal/validation.js';

export interface BatchLimits {
  maxAppendBytes: number;
  flushIntervalMs: number;
  maxBufferedBytes: number;
}

interface Chunk {
  bytes: Buffer;
  /** When it arrived: the flush clock of its bytes. */
  at: number;
}

/**
 * A chunk's bytes. A string from a source with setEncoding() ('latin1', 'hex', 'base64'...) is turned back into the
 * source's own bytes, so the object holds them byte for byte; any other string is text, stored as UTF-8.
 */
function toBuffer(chunk: unknown, encoding: BufferEncoding | null | undefined): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding ?? 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return undefined;
}

/**
 * Reads a source into batches: a batch is due when it is full (`maxAppendBytes`), when the source has ended, or
 * once `flushIntervalMs` has passed since the batch before was taken. So a line after a silence goes at once (the
 * leading edge), lines that follow it are batched, and while output flows there is at most one batch per
 * `flushIntervalMs` that is not full. A timer runs only while bytes wait, so a silent source costs nothing. The source is paused while the bytes held (waiting, and handed out but not yet
 * released) reach `maxBufferedBytes`.
 */
export class Batcher {
  readonly #source: NodeJS.ReadableStream;
  readonly #limits: BatchLimits;
  readonly #stopWatching: () => void;
  #chunks: Chunk[] = [];
  #pendingBytes = 0;
  /** Handed out by next() and not yet released: the append in flight. */
  #heldBytes = 0;
  /** When the first byte of each batch handed out and not yet released arrived, oldest first. */
  #heldSince: number[] = [];
  /** Called when bytes arrive while none were waiting or held. */
  readonly #onFirstBytes: () => void;
  /** When the last batch was taken: the next one that is not full is due `flushIntervalMs` later. */
  #lastTakenAt = -Infinity;
  #pausedByUs = false;
  #ended = false;
  #error: Error | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(source: NodeJS.ReadableStream, limits: BatchLimits, onFirstBytes: () => void) {
    this.#source = source;
    this.#limits = limits;
    this.#onFirstBytes = onFirstBytes;
    // The readable side is all that counts: a Duplex (a socket) ends the log when its peer has sent everything.
    this.#stopWatching = finished(source, { writable: false }, (error) => {
      if (error) this.#error = error;
      else this.#ended = true;
      this.#wake?.();
    });
    source.on('data', this.#onData);
    // A source its owner paused would never start: 'data' listeners resume only a stream never paused.
    source.resume();
  }

  /** Bytes read from the source and not yet handed out. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Bytes read from the source and not yet released: waiting, or handed out and not yet stored. */
  get unstoredBytes(): number {
    return this.#pendingBytes + this.#heldBytes;
  }

  /** When the oldest byte not yet released arrived: from what the flush clock noted, no clock read. */
  get oldestUnstoredAt(): number | undefined {
    return this.#heldSince[0] ?? this.#chunks[0]?.at;
  }

  readonly #onData = (chunk: unknown): void => {
    const bytes = toBuffer(chunk, (this.#source as Partial<Readable>).readableEncoding);
    if (bytes === undefined) {
      const error = new TypeError(`source chunks must be strings or bytes, got ${describeValue(chunk)}`);
      this.#error ??= error;
      (this.#source as Partial<Readable>).destroy?.(error);
      return;
    }
    if (bytes.length === 0) return;
    const wasEmpty = this.#pendingBytes === 0;
    const wasIdle = wasEmpty && this.#heldBytes === 0;
    this.#chunks.push({ bytes, at: Date.now() });
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes + this.#heldBytes >= this.#limits.maxBufferedBytes && !this.#pausedByUs) {
      this.#pausedByUs = true;
      this.#source.pause();
    }
    // The first byte may be due at once; a full batch is due now. Anything else changes nothing.
    if (wasEmpty || this.#pendingBytes >= this.#limits.maxAppendBytes) this.#wake?.();
    if (wasIdle && !this.#stopped) this.#onFirstBytes();
  };

  /**
   * The next batch once it is due. Undefined when the source has ended and everything was handed out,
   * or after stop(). Throws the source's error once every byte read before it was handed out.
   */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      if (this.#stopped) return undefined;
      if (this.#pendingBytes === 0) {
        if (this.#error) throw this.#error;
        if (this.#ended) return undefined;
        await this.#sleep(undefined);
        continue;
      }
      const dueIn = this.#msUntilDue();
      if (dueIn <= 0) return this.#take();
      await this.#sleep(dueIn);
    }
  }

  /** The next batch if it is due now, without waiting; never throws. */
  takeIfDue(): Buffer | undefined {
    if (this.#stopped || this.#pendingBytes === 0 || this.#msUntilDue() > 0) return undefined;
    return this.#take();
  }

  /** With bytes pending: how long until they are due. */
  #msUntilDue(): number {
    if (this.#pendingBytes >= this.#limits.maxAppendBytes || this.#ended || this.#error) return 0;
    return Math.max(this.#chunks[0]!.at, this.#lastTakenAt + this.#limits.flushIntervalMs) - Date.now();
  }

  /** The bytes of a batch are stored: they no longer count against maxBufferedBytes. */
  release(bytes: number): void {
    this.#heldBytes -= bytes;
    this.#heldSince.shift();
    if (this.#pausedByUs && !this.#stopped && this.#pendingBytes + this.#heldBytes < this.#limits.maxBufferedBytes) {
      this.#pausedByUs = false;
      this.#source.resume();
    }
  }

  /** No more batches: next() returns undefined from now on. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** Stops listening to the source and clears the flush timer. */
  dispose(): void {
    this.stop();
    this.#stopWatching();
    this.#source.off('data', this.#onData);
  }

  #sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(wake, ms);
      this.#wake = wake;
    });
  }

  #take(): Buffer {
    this.#lastTakenAt = Date.now();
    this.#heldSince.push(this.#chunks[0]!.at);
    const parts: Buffer[] = [];
    let size = 0;
    let used = 0;
    while (size < this.#limits.maxAppendBytes && used < this.#chunks.length) {
      const chunk = this.#chunks[used]!;
      const room = this.#limits.maxAppendBytes - size;
      if (chunk.bytes.length <= room) {
        parts.push(chunk.bytes);
        size += chunk.bytes.length;
        used += 1;
      } else {
        // The rest keeps its arrival time: its flush clock has been running since then.
        parts.push(chunk.bytes.subarray(0, room));
        chunk.bytes = chunk.bytes.subarray(room);
        size += room;
      }
    }
    this.#chunks.splice(0, used);
    this.#pendingBytes -= size;
    this.#heldBytes += size;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }
}
