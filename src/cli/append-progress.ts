import { Transform } from 'node:stream';
import type OSS from 'ali-oss';

/** Input that arrived within this long of a noted arrival counts as arriving with it: a bounded list. */
const ARRIVAL_RESOLUTION_MS = 100;

function nextAppendPosition(response: { headers: object }): number {
  return Number((response.headers as Record<string, unknown>)['x-oss-next-append-position']);
}

/**
 * How far --append has got, for the status line: appendStream tells only when it settles, so the command
 * watches the requests appendStream makes through it (each answer carries the object's length) and the
 * input on its way in.
 */
export class AppendProgress {
  appends = 0;
  /** Requests that failed, each followed by a retry unless the upload gave up. */
  retries = 0;
  #startLength: number | undefined;
  #length = 0;
  #readBytes = 0;
  /** Where input that arrived together ends, and when it came, oldest first. */
  #arrivals: Array<{ end: number; at: number }> = [];

  /** Bytes this run appended that OSS confirmed. */
  get storedBytes(): number {
    return this.#length - (this.#startLength ?? this.#length);
  }

  /** A pass-through for the input that notes when each byte came. */
  meter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.#readBytes += chunk.length;
        const now = Date.now();
        const last = this.#arrivals.at(-1);
        if (last && now - last.at < ARRIVAL_RESOLUTION_MS) last.end = this.#readBytes;
        else this.#arrivals.push({ end: this.#readBytes, at: now });
        callback(null, chunk);
      },
    });
  }

  /** How long the oldest byte read and not yet stored has waited, in ms; undefined when none waits. */
  batchAgeMs(now = Date.now()): number | undefined {
    const stored = this.storedBytes;
    const waiting = this.#arrivals.findIndex(({ end }) => end > stored);
    this.#arrivals.splice(0, waiting === -1 ? this.#arrivals.length : waiting);
    const oldest = this.#arrivals[0];
    return oldest && now - oldest.at;
  }

  /**
   * `client` for appendStream: the same client, whose answers are noted here. Every append carries `mime`:
   * OSS takes the object's Content-Type from the append that creates it.
   */
  observe(client: OSS, mime: string): OSS {
    const observed = Object.create(client) as OSS;
    observed.append = (name, file, options) =>
      this.#noted(client.append(name, file, { ...options, mime }), ({ res }) => this.#reached(nextAppendPosition(res)));
    observed.head = (name, options) =>
      this.#noted(client.head(name, options), ({ res }) => {
        // The first HEAD finds where this run starts.
        if (this.#startLength === undefined) this.#startLength = this.#length = nextAppendPosition(res) || 0;
        else this.#reached(nextAppendPosition(res));
      });
    return observed;
  }

  /** The object is `length` bytes long: longer than known means one more append landed. */
  #reached(length: number): void {
    this.#startLength ??= 0;
    if (!(length > this.#length)) return;
    this.#length = length;
    this.appends += 1;
  }

  async #noted<T>(request: Promise<T>, answered: (result: T) => void): Promise<T> {
    try {
      const result = await request;
      answered(result);
      return result;
    } catch (error) {
      // A HEAD answered 404: there is no object yet, which is where a new log starts.
      if ((error as { status?: unknown } | null)?.status === 404) this.#startLength ??= 0;
      else this.retries += 1;
      throw error;
    }
  }
}
