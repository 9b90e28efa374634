import { Readable } from 'node:stream';
import { resolveHeartbeatOptions, type HeartbeatOptions, type HeartbeatTimers } from './options.js';
import { incompleteUtf8TailLength } from './utf8.js';

const settled = Promise.resolve();

export interface HeartbeatInfo {
  /** Fillers pushed so far, this one included. */
  count: number;
  /** How long the stream had been silent when this filler was pushed, in ms. */
  silentMs: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-declaration-merging -- typed 'heartbeat' overloads beside @types/node's own */
export interface HeartbeatReadable {
  on(event: 'heartbeat', listener: (info: HeartbeatInfo) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'heartbeat', listener: (info: HeartbeatInfo) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  addListener(event: 'heartbeat', listener: (info: HeartbeatInfo) => void): this;
  addListener(event: string | symbol, listener: (...args: any[]) => void): this;
  prependListener(event: 'heartbeat', listener: (info: HeartbeatInfo) => void): this;
  prependListener(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'heartbeat', listener: (info: HeartbeatInfo) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
  removeListener(event: 'heartbeat', listener: (info: HeartbeatInfo) => void): this;
  removeListener(event: string | symbol, listener: (...args: any[]) => void): this;
  emit(event: 'heartbeat', info: HeartbeatInfo): boolean;
  emit(event: string | symbol, ...args: any[]): boolean;
}
/* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-declaration-merging */

/**
 * A byte Readable that pushes a filler whenever it has been silent for `heartbeatAfterMs`,
 * so a server that ends idle request bodies never sees one. In every other respect a Readable.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed 'heartbeat' event overloads
export class HeartbeatReadable extends Readable {
  readonly #heartbeatAfterMs: number;
  readonly #filler: Buffer;
  readonly #utf8Safe: boolean;
  readonly #timers: HeartbeatTimers;

  #heartbeats = 0;
  #dataBytes = 0;
  /** Bytes of a UTF-8 character whose rest has not arrived yet. */
  #heldBack: Uint8Array | undefined;
  /** The silence clock: stopped until first read, then running until end or destroy. */
  #clock: 'stopped' | 'running' | 'finished' = 'stopped';
  #lastActivity = 0;
  /** Bytes went out since #lastActivity was stamped; the stamp follows at the end of the synchronous burst. */
  #stampPending = false;
  #timer: unknown;

  constructor(options?: HeartbeatOptions) {
    const resolved = resolveHeartbeatOptions(options);
    super(options);
    this.#heartbeatAfterMs = resolved.heartbeatAfterMs;
    this.#filler = resolved.filler;
    this.#utf8Safe = resolved.utf8Safe;
    this.#timers = resolved.timers;
    // A 'readable' listener is a reader that calls read() only once data exists: it must start the clock.
    this.on('newListener', this.#startOnReadableListener);
  }

  /** Fillers pushed so far. */
  get heartbeats(): number {
    return this.#heartbeats;
  }

  /** Payload bytes pushed so far, fillers excluded. */
  get dataBytes(): number {
    return this.#dataBytes;
  }

  // A push-driven stream (the build runner pushes log chunks) needs no _read of its own.
  override _read(): void {}

  // Streams call read(0) to fill their buffer ahead of any consumer; only a real read starts the clock.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same signature as Readable.read
  override read(size?: number): any {
    if (size !== 0 && this.#clock === 'stopped') this.#startClock();
    return super.read(size);
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    // The hot path first: bytes that end on a character boundary, with nothing held back.
    if (chunk instanceof Uint8Array && this.#heldBack === undefined && this.#clock !== 'finished') {
      const last = chunk[chunk.length - 1];
      if (last !== undefined && (last < 0x80 || !this.#utf8Safe)) return this.#deliver(chunk, chunk.length);
    }
    return this.#pushAny(chunk, encoding);
  }

  #pushAny(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (this.#clock === 'finished') return super.push(chunk, encoding);
    if (chunk === null) {
      this.#stopClock();
      if (this.#heldBack !== undefined) this.#deliver(this.#heldBack, this.#heldBack.length);
      this.#heldBack = undefined;
      return super.push(null);
    }
    if (typeof chunk === 'string') {
      const stringEncoding = encoding ?? 'utf8';
      // A UTF-8 string always ends on a character boundary; other encodings can end anywhere.
      const endsOnBoundary = stringEncoding === 'utf8' || stringEncoding === 'utf-8';
      if (!this.#utf8Safe || (endsOnBoundary && this.#heldBack === undefined)) {
        return this.#deliver(chunk, Buffer.byteLength(chunk, stringEncoding), stringEncoding);
      }
      chunk = Buffer.from(chunk, stringEncoding);
    }
    if (!(chunk instanceof Uint8Array)) return super.push(chunk, encoding);
    return this.#utf8Safe ? this.#pushUtf8Safe(chunk) : this.#deliver(chunk, chunk.length);
  }

  override destroy(error?: Error): this {
    this.#stopClock();
    return super.destroy(error);
  }

  #pushUtf8Safe(chunk: Uint8Array): boolean {
    let bytes = chunk;
    if (this.#heldBack !== undefined) {
      bytes = Buffer.concat([this.#heldBack, chunk]);
      this.#heldBack = undefined;
    }
    const incomplete = incompleteUtf8TailLength(bytes);
    if (incomplete === 0) return this.#deliver(bytes, bytes.length);
    this.#heldBack = bytes.subarray(bytes.length - incomplete);
    if (bytes.length === incomplete) return this.readableLength < this.readableHighWaterMark;
    return this.#deliver(bytes.subarray(0, bytes.length - incomplete), bytes.length - incomplete);
  }

  /** Pushes `length` bytes of data (`chunk`, or `chunk` in `encoding`) and counts them as activity. */
  #deliver(chunk: Uint8Array | string, length: number, encoding?: BufferEncoding): boolean {
    if (length > 0) {
      this.#dataBytes += length;
      if (this.#clock === 'running' && !this.#stampPending) {
        this.#stampPending = true;
        void settled.then(this.#stamp);
      }
    }
    return super.push(chunk, encoding);
  }

  readonly #startOnReadableListener = (event: string | symbol): void => {
    if (event === 'readable' && this.#clock === 'stopped') this.#startClock();
  };

  #startClock(): void {
    this.off('newListener', this.#startOnReadableListener);
    this.#clock = 'running';
    this.#lastActivity = this.#timers.now();
    this.#arm(this.#heartbeatAfterMs);
  }

  #stopClock(): void {
    this.#clock = 'finished';
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    const timer = this.#timers.setTimeout(this.#onTimer, ms);
    // A heartbeat must never be the only thing keeping a process alive.
    if (typeof (timer as { unref?: unknown } | null)?.unref === 'function') (timer as { unref(): void }).unref();
    this.#timer = timer;
  }

  // The clock is read once per burst of synchronous pushes, not once per push: reading it costs more than a push.
  readonly #stamp = (): void => {
    if (!this.#stampPending) return;
    this.#stampPending = false;
    this.#lastActivity = this.#timers.now();
  };

  // One lazily re-armed timer: pushes only get stamped, the timer catches up when it fires.
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (this.#clock !== 'running' || this.destroyed || this.errored !== null) return;
    const now = this.#timers.now();
    // A clock driven by hand (a test's fake timers) can fire before the stamp's microtask has run.
    if (this.#stampPending) {
      this.#stampPending = false;
      this.#lastActivity = now;
    }
    // A wall clock set back would make the silence negative and postpone every heartbeat.
    if (now < this.#lastActivity) this.#lastActivity = now;
    const silentMs = now - this.#lastActivity;
    if (silentMs < this.#heartbeatAfterMs) {
      this.#arm(this.#heartbeatAfterMs - silentMs);
      return;
    }
    // A reader that has not taken what is buffered will find it there: one filler at most, never a pile.
    if (this.readableLength === 0) this.#pushFiller(now, silentMs);
    this.#arm(this.#heartbeatAfterMs);
  };

  #pushFiller(now: number, silentMs: number): void {
    this.#heartbeats += 1;
    this.#lastActivity = now;
    // A copy each time: a reader may keep or change the chunks it is given.
    super.push(Buffer.from(this.#filler));
    this.emit('heartbeat', { count: this.#heartbeats, silentMs });
  }
}
