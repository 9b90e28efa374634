import { finished, type Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { HeartbeatReadable } from './heartbeat-readable.js';
import { assertOptionsObject, type HeartbeatOptions } from './options.js';
import { toNodeReadable } from './sources.js';

/** Anything `withHeartbeat` can wrap. String chunks are read as UTF-8. */
export type HeartbeatSource =
  | NodeJS.ReadableStream
  | AsyncIterable<string | Uint8Array>
  | ReadableStream<Uint8Array>;

/**
 * Wraps a source in a HeartbeatReadable: the source's bytes pass through unchanged, with a filler
 * whenever the source has been silent for `heartbeatAfterMs`. Errors and destroy propagate both ways.
 */
export function withHeartbeat(source: HeartbeatSource, options?: HeartbeatOptions): HeartbeatReadable {
  assertOptionsObject('options', options);
  const input = toNodeReadable(source);
  let flowing = false;
  let inputDone = false;

  const onData = (chunk: string | Uint8Array): void => {
    if (!wrapper.push(chunk)) input.pause();
  };

  const wrapper = new HeartbeatReadable({
    ...options,
    read() {
      // The source is not consumed until the wrapper is, like pipe().
      if (!flowing) {
        flowing = true;
        input.on('data', onData);
      }
      input.resume();
    },
    destroy(error, callback) {
      if (!inputDone) (input as Partial<Readable>).destroy?.();
      callback(error);
    },
  });

  // The readable side is all that counts: a Duplex (a socket whose peer has sent everything) ends the wrapper
  // when its readable side ends, as pipe() would, however long its writable side stays open.
  finished(input, { writable: false }, (error) => {
    inputDone = true;
    if (error) wrapper.destroy(error);
    else wrapper.push(null);
  });
  return wrapper;
}
