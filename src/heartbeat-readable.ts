import { Readable } from 'node:stream';
import { resolveHeartbeatOptions, type HeartbeatOptions, type ResolvedHeartbeatOptions } from './options.js';
import { incompleteUtf8TailLength } from './utf8.js';

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

// The silence clock's states. QUIET: no data since the last check, so the next push reads the clock.
// ACTIVE: data is flowing, and the timer checks every step instead.
const STOPPED = 0;
const QUIET = 1;
const ACTIVE = 2;
const FINISHED = 3;
type ClockState = typeof STOPPED | typeof QUIET | typeof ACTIVE | typeof FINISHED;

// Symbol.for gives the same key in every copy of this package a process loads (its ESM and CommonJS
// builds, two installed versions), so `instanceof` recognises a heartbeat stream made by another copy.
const BRAND = Symbol.for('heartbeat-readable.HeartbeatReadable');

/**
 * A byte Readable that pushes a filler whenever it has been silent for `heartbeatAfterMs`,
 * so a server that ends idle request bodies never sees one. In every other respect a Readable.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed 'heartbeat' event overloads
export class HeartbeatReadable extends Readable {
  readonly #config: ResolvedHeartbeatOptions;
  #heartbeats = 0;
  #dataBytes = 0;
  /** Bytes of a UTF-8 character whose rest has not arrived yet. */
  #heldBack: Uint8Array | undefined;
  #clock: ClockState = STOPPED;
  /** When data last flowed: exact for a chunk that woke a quiet stream, else at most one step late. */
  #lastActivity = 0;
  /** dataBytes as of #lastActivity: more means data flowed since. */
  #bytesAtLastActivity = 0;
  /** The one timer and its delay, kept after it fires so it can be refreshed; cleared when the clock stops. */
  #timer: { handle: unknown; ms: number } | undefined;

  static {
    // On the prototype, not the instance: an own field more makes every push slower (see bench/).
    Object.defineProperty(this.prototype, BRAND, { value: true });
  }

  /** True for a HeartbeatReadable from any copy of the package; subclasses keep the ordinary check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== HeartbeatReadable) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(options?: HeartbeatOptions) {
    const config = resolveHeartbeatOptions(options);
    super(options);
    this.#config = config;
    // A 'readable' listener is a reader that calls read() only once data exists: it must start the clock.
    this.on('newListener', HeartbeatReadable.#startOnReadableListener);
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
    if (size !== 0 && this.#clock === STOPPED) this.#startClock();
    return super.read(size);
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    // The hot path first: bytes that end on a character boundary, with nothing held back.
    if (chunk instanceof Uint8Array && this.#heldBack === undefined && this.#clock !== FINISHED) {
      const last = chunk[chunk.length - 1];
      if (last !== undefined && (last < 0x80 || !this.#config.utf8Safe)) return this.#deliver(chunk, chunk.length);
    }
    return this.#pushAny(chunk, encoding);
  }

  #pushAny(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (this.#clock === FINISHED) return super.push(chunk, encoding);
    if (chunk === null) {
      this.#stopClock();
      if (this.#heldBack !== undefined) this.#deliver(this.#heldBack, this.#heldBack.length);
      this.#heldBack = undefined;
      return super.push(null);
    }
    // Readable converts a string to bytes anyway; converting it here counts it once and checks its end.
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : chunk;
    if (!(bytes instanceof Uint8Array)) return super.push(chunk, encoding);
    return this.#config.utf8Safe ? this.#pushUtf8Safe(bytes) : this.#deliver(bytes, bytes.length);
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

  /** Pushes `length` bytes of data and counts them. */
  #deliver(chunk: Uint8Array, length: number): boolean {
    if (length > 0) {
      this.#dataBytes += length;
      if (this.#clock === QUIET) this.#wake();
    }
    return super.push(chunk);
  }

  // Static, so that no stream carries a closure of its own for it; EventEmitter calls it with the stream as `this`.
  static readonly #startOnReadableListener = function (this: HeartbeatReadable, event: string | symbol): void {
    if (event === 'readable' && this.#clock === STOPPED) this.#startClock();
  };

  #startClock(): void {
    this.off('newListener', HeartbeatReadable.#startOnReadableListener);
    this.#clock = QUIET;
    this.#lastActivity = this.#config.timers.now();
    this.#bytesAtLastActivity = this.#dataBytes;
    this.#arm(this.#config.heartbeatAfterMs);
  }

  #stopClock(): void {
    this.#clock = FINISHED;
    if (this.#timer !== undefined) this.#config.timers.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }

  // A push reads no clock and sets no timer, except the first after a quiet check: reading the clock
  // costs more than a push. That one stamps the time exactly and hands over to the timer's short steps.
  #wake(): void {
    this.#clock = ACTIVE;
    this.#lastActivity = this.#config.timers.now();
    this.#bytesAtLastActivity = this.#dataBytes;
    this.#arm(this.#config.stepMs);
  }

  /** (Re)schedules the one timer; reuses it when its delay is the same, so a steady stream allocates nothing. */
  #arm(ms: number): void {
    const timers = this.#config.timers;
    const previous = this.#timer;
    const reusable = previous?.handle as { refresh?: () => unknown } | undefined;
    if (previous?.ms === ms && typeof reusable?.refresh === 'function') {
      reusable.refresh();
      return;
    }
    if (previous !== undefined) timers.clearTimeout(previous.handle);
    const handle = timers.setTimeout(this.#onTimer, ms);
    // A heartbeat must never be the only thing keeping a process alive.
    if (typeof (handle as { unref?: unknown } | null)?.unref === 'function') (handle as { unref(): void }).unref();
    this.#timer = { handle, ms };
  }

  readonly #onTimer = (): void => {
    if (this.#clock === FINISHED || this.destroyed || this.errored !== null) return;
    const { heartbeatAfterMs, stepMs, timers } = this.#config;
    const now = timers.now();
    if (this.#dataBytes !== this.#bytesAtLastActivity) {
      // Data flowed during the last step: it is at most a step old. Keep following it.
      this.#lastActivity = now;
      this.#bytesAtLastActivity = this.#dataBytes;
      this.#arm(stepMs);
      return;
    }
    this.#clock = QUIET;
    // A wall clock set back would make the silence negative and postpone every heartbeat.
    if (now < this.#lastActivity) this.#lastActivity = now;
    const silentMs = now - this.#lastActivity;
    if (silentMs < heartbeatAfterMs) {
      this.#arm(heartbeatAfterMs - silentMs);
      return;
    }
    // A reader that has not taken what is buffered will find it there: one filler at most, never a pile.
    if (this.readableLength === 0) this.#pushFiller(now, silentMs);
    this.#arm(heartbeatAfterMs);
  };

  #pushFiller(now: number, silentMs: number): void {
    this.#heartbeats += 1;
    this.#lastActivity = now;
    super.push(this.#config.filler);
    if (this.listenerCount('heartbeat') > 0) this.emit('heartbeat', { count: this.#heartbeats, silentMs });
  }
}
