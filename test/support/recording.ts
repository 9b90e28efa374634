// Recording what a stream emits, and when: arrivals, their bytes, the longest silence, a sink that keeps everything.
import { Writable, type Readable } from 'node:stream';

/** Bytes a reader received, each with the (possibly fake) time it arrived. */
export interface Arrival {
  at: number;
  bytes: Buffer;
}

/** Reads `stream` in flowing mode and records when each chunk arrived. */
export function record(stream: Readable): Arrival[] {
  const arrivals: Arrival[] = [];
  stream.on('data', (chunk: Buffer) => arrivals.push({ at: Date.now(), bytes: chunk }));
  return arrivals;
}

export function joined(arrivals: Arrival[]): Buffer {
  return Buffer.concat(arrivals.map((arrival) => arrival.bytes));
}

/** The longest time between two successive arrivals, starting from `start`. */
export function longestGap(arrivals: Arrival[], start: number): number {
  let previous = start;
  let longest = 0;
  for (const { at } of arrivals) {
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return longest;
}

/** A Writable that takes everything; `received` grows as bytes arrive. */
export function sink(): Writable & { received: Buffer[] } {
  const received: Buffer[] = [];
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
  });
  return Object.assign(writable, { received });
}
