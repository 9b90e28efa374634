import { Readable } from 'node:stream';
import {
  resolveHeartbeatOptions,
  type HeartbeatOptions,
  type HeartbeatTimers,
  type ResolvedHeartbeatOptions,
} from './options.js';
import { incompleteUtf8TailLength } from './utf8.js';

export interface HeartbeatInfo {
  /** Fillers pushed so far, this one included. */
  count: number;
  /**
   * The silence the stream counted on its timers before this filler: `heartbeatAfterMs` rounded up to whole
   * ms. The true silence is at most one step (`heartbeatAfterMs / 16`) longer, plus the event loop's lateness.
   */
  silentMs: number;
}

/** The events a HeartbeatReadable adds to a Readable's, with their listeners' arguments. */
interface HeartbeatReadableEvents {
  heartbeat: [info: HeartbeatInfo];
}

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-declaration-merging --
   Readable's own events, as @types/node types them, plus 'heartbeat'. Declaring any overload here hides all of
   Readable's, so they are listed again: without them every listener's argument would fall to the catch-all `any`.
   As on a Readable, a listener that does not fit a known event's arguments falls to the catch-all (so
   `on('end', resolve)` compiles); 'heartbeat' alone is kept from it, so its listener is always checked. */
interface ReadableEvents extends HeartbeatReadableEvents {
  close: [];
  data: [chunk: any];
  end: [];
  error: [err: Error];
  pause: [];
  readable: [];
  resume: [];
}
type OtherEvent<E> = E extends keyof HeartbeatReadableEvents ? never : E;
export interface HeartbeatReadable {
  on<E extends keyof ReadableEvents>(event: E, listener: (...args: ReadableEvents[E]) => void): this;
  on<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  once<E extends keyof ReadableEvents>(event: E, listener: (...args: ReadableEvents[E]) => void): this;
  once<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  addListener<E extends keyof ReadableEvents>(event: E, listener: (...args: ReadableEvents[E]) => void): this;
  addListener<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  prependListener<E extends keyof ReadableEvents>(event: E, listener: (...args: ReadableEvents[E]) => void): this;
  prependListener<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  prependOnceListener<E extends keyof ReadableEvents>(event: E, listener: (...args: ReadableEvents[E]) => void): this;
  prependOnceListener<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  off<E extends keyof ReadableEvents>(event: E, listener: (...args: ReadableEvents[E]) => void): this;
  off<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  removeListener<E extends keyof ReadableEvents>(event: E, listener: (...args: ReadableEvents[E]) => void): this;
  removeListener<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  emit<E extends keyof ReadableEvents>(event: E, ...args: ReadableEvents[E]): boolean;
  emit<E extends string | symbol>(event: OtherEvent<E>, ...args: any[]): boolean;
}
/* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-declaration-merging */

/*
 * The silence clock. Every delay is relative to the moment a timer is set: no clock is read, so a fake
 * setTimeout drives the stream whether Date is faked or not. One timer at most; H = heartbeatAfterMs
 * (whole ms), S = one step = ceil(H / 16).
 *
 * | state       | meaning                                | moved by                      | to          | arms  |
 * |-------------|----------------------------------------|-------------------------------|-------------|-------|
 * | NOT_STARTED | nobody reads yet: no fillers gather    | resume(), pipe(), a 'data' or | QUIET       | H     |
 * |             |                                        | 'readable' listener, a read() |             |       |
 * |             |                                        | other than read(0)            |             |       |
 * | QUIET       | silent since the timer was set         | a push of data                | FLOWING     | S     |
 * |             |                                        | the timer: a filler, if the   | QUIET       | H     |
 * |             |                                        | reader keeps up               |             |       |
 * | FLOWING     | data came since the last step began    | a push of data                | (no change) | none  |
 * |             |                                        | the timer, data since         | FLOWING     | S     |
 * |             |                                        | the timer, none since         | QUIET       | H - S |
 * |             |                                        |   (H = S = 1: a filler now)   |             | H     |
 * | ENDED       | no timer, ever again                   |                               |             |       |
 *
 * Any state moves to ENDED on push(null), destroy() and an error. Only the first push after a quiet spell
 * touches the timer; while data flows a push only adds to dataBytes, and the timer, one step later, sees
 * that it grew. After a silent step the stream knows the silence is at least S (the data came before that
 * step began), so H - S more make a full H: a filler is never early, and at most one step late.
 */
const NOT_STARTED = 0;
const QUIET = 1;
const FLOWING = 2;
const ENDED = 3;
type ClockState = typeof NOT_STARTED | typeof QUIET | typeof FLOWING | typeof ENDED;

// Symbol.for gives the same key in every copy of this package a process loads (its ESM and CommonJS
// builds, two installed versions), so `instanceof` recognises a heartbeat stream made by another copy.
const BRAND = Symbol.for('heartbeat-readable.HeartbeatReadable');

/** The pending timer, with the clearTimeout of the timers that set it (fake timers may come and go meanwhile). */
interface Armed {
  handle: unknown;
  clear: (handle: unknown) => void;
}

/**
 * A byte Readable that pushes a filler whenever it has been silent for `heartbeatAfterMs`,
 * so a server that ends idle request bodies never sees one. In every other respect a Readable.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed event overloads
export class HeartbeatReadable extends Readable {
  readonly #config: ResolvedHeartbeatOptions;
  #heartbeats = 0;
  #dataBytes = 0;
  /** Bytes of a UTF-8 character whose rest has not arrived yet. */
  #heldBack: Uint8Array | undefined;
  #state: ClockState = NOT_STARTED;
  /** dataBytes when the current step began: more means data flowed during it. */
  #bytesAtStep = 0;
  #timer: Armed | undefined;

  static {
    // On the prototype, not the instance: a brand costs a stream nothing.
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
    if (size !== 0 && this.#state === NOT_STARTED) this.#start();
    return super.read(size);
  }

  // resume() (also what a 'data' listener and pipe() call) reads only on the next tick; the clock starts now,
  // so a fake clock advanced synchronously right after it already runs the heartbeat.
  override resume(): this {
    if (this.#state === NOT_STARTED) this.#start();
    return super.resume();
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    // The hot path first: bytes that end on a character boundary, with nothing held back.
    if (chunk instanceof Uint8Array && this.#heldBack === undefined && this.#state !== ENDED) {
      const last = chunk[chunk.length - 1];
      if (last !== undefined && (last < 0x80 || !this.#config.utf8Safe)) return this.#deliver(chunk);
    }
    return this.#pushAny(chunk, encoding);
  }

  #pushAny(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (this.#state === ENDED) return super.push(chunk, encoding);
    if (chunk === null) {
      const clearError = this.#stop();
      if (clearError !== undefined) {
        this.destroy(clearError);
        return false;
      }
      if (this.#heldBack !== undefined) this.#deliver(this.#heldBack);
      this.#heldBack = undefined;
      return super.push(null);
    }
    // Readable converts a string to bytes anyway; converting it here counts it once and checks its end.
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : chunk;
    if (!(bytes instanceof Uint8Array)) return super.push(chunk, encoding);
    return this.#config.utf8Safe ? this.#pushUtf8Safe(bytes) : this.#deliver(bytes);
  }

  // Overridden rather than _destroy: the `destroy` constructor option (withHeartbeat uses it) and code that
  // assigns stream._destroy, as the seed assigned _read, replace _destroy; destroy() is always this method.
  override destroy(error?: Error): this {
    const clearError = this.#stop();
    // An error given to destroy() comes first; what clearTimeout threw stands in when it gave none.
    return super.destroy(error ?? clearError);
  }

  #pushUtf8Safe(chunk: Uint8Array): boolean {
    let bytes = chunk;
    if (this.#heldBack !== undefined) {
      bytes = Buffer.concat([this.#heldBack, chunk]);
      this.#heldBack = undefined;
    }
    const incomplete = incompleteUtf8TailLength(bytes);
    if (incomplete === 0) return this.#deliver(bytes);
    this.#heldBack = bytes.subarray(bytes.length - incomplete);
    if (bytes.length === incomplete) return this.readableLength < this.readableHighWaterMark;
    return this.#deliver(bytes.subarray(0, bytes.length - incomplete));
  }

  /** Pushes data and counts it. */
  #deliver(chunk: Uint8Array): boolean {
    if (chunk.length > 0) {
      this.#dataBytes += chunk.length;
      if (this.#state === QUIET) this.#wake();
    }
    return super.push(chunk);
  }

  // Static, so that no stream carries a closure of its own for it; EventEmitter calls it with the stream as `this`.
  static readonly #startOnReadableListener = function (this: HeartbeatReadable, event: string | symbol): void {
    if (event === 'readable' && this.#state === NOT_STARTED) this.#start();
  };

  #start(): void {
    this.off('newListener', HeartbeatReadable.#startOnReadableListener);
    this.#state = QUIET;
    this.#arm(this.#config.afterMs);
  }

  // The first push after a quiet spell: from now on the timer follows the data in steps.
  #wake(): void {
    this.#state = FLOWING;
    this.#bytesAtStep = this.#dataBytes;
    this.#arm(this.#config.stepMs);
  }

  /**
   * Ends the clock for good, the timer forgotten either way. Returns what clearTimeout threw (an injected one, a
   * broken fake) instead of throwing it: ending and destroying must finish, and the stream fails with it.
   */
  #stop(): Error | undefined {
    this.#state = ENDED;
    try {
      this.#disarm();
      return undefined;
    } catch (clearError) {
      return clearError as Error;
    }
  }

  #disarm(): void {
    const armed = this.#timer;
    if (armed === undefined) return;
    this.#timer = undefined;
    armed.clear.call(this.#config.timers ?? globalThis, armed.handle);
  }

  /**
   * Sets the one timer, clearing a pending one first. The timers are looked up now, since fakes may have come or
   * gone, and the clearTimeout that goes with them is kept for this timer. A timers function that throws (an
   * injected one, a broken fake) must neither escape from push() or read() nor leave the stream silently
   * without a timer: the stream is destroyed with its error.
   */
  #arm(ms: number): void {
    const timers: HeartbeatTimers = this.#config.timers ?? globalThis;
    try {
      this.#disarm();
      const handle = timers.setTimeout(this.#onTimer, ms);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- #disarm calls it on its owner
      this.#timer = { handle, clear: timers.clearTimeout };
      // A heartbeat must never be the only thing keeping a process alive.
      if (typeof (handle as { unref?: unknown } | null)?.unref === 'function') (handle as { unref(): void }).unref();
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  readonly #onTimer = (): void => {
    // A timer that has fired needs no clearing.
    this.#timer = undefined;
    // ENDED: a timer that could not be cleared (its clearTimeout threw) fires into a finished stream.
    // errored: with autoDestroy: false an error leaves the stream undestroyed, but it must stay silent.
    if (this.#state === ENDED || this.errored !== null) return;
    const { afterMs, stepMs } = this.#config;
    if (this.#state === QUIET) {
      this.#heartbeat();
    } else if (this.#dataBytes !== this.#bytesAtStep) {
      this.#bytesAtStep = this.#dataBytes;
      this.#arm(stepMs);
    } else {
      // Silent for a whole step: the data came before it began, so the silence is at least stepMs.
      this.#state = QUIET;
      // Nothing left to wait only when heartbeatAfterMs is 1 ms: a 0 ms timer would fire a millisecond late.
      if (afterMs > stepMs) this.#arm(afterMs - stepMs);
      else this.#heartbeat();
    }
  };

  /** Silent for afterMs at least: the filler, and the next one's timer. */
  #heartbeat(): void {
    // The timer is set before the filler goes out: a 'data' or 'heartbeat' listener that throws must not stop
    // the heartbeat (its error still propagates, as any listener's does).
    this.#arm(this.#config.afterMs);
    if (this.destroyed) return; // setTimeout threw
    // A flowing reader takes every filler (a fake clock advanced synchronously lets them gather until its
    // next tick); a paused one, or one held back by backpressure, finds at most one waiting, never a pile.
    if (this.readableFlowing === true || this.readableLength === 0) this.#pushFiller();
  }

  #pushFiller(): void {
    this.#heartbeats += 1;
    // A copy each time: a reader may write into a chunk it received, and the next filler must not change.
    super.push(Buffer.from(this.#config.filler));
    if (this.listenerCount('heartbeat') > 0) {
      this.emit('heartbeat', { count: this.#heartbeats, silentMs: this.#config.afterMs });
    }
  }
}
