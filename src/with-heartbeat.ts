import { finished, type Readable } from 'node:stream';
import { HeartbeatReadable } from './heartbeat-readable.js';
import type { HeartbeatOptions } from './options.js';
import { assertOptionsObject } from './internal/validation.js';
import { toNodeReadable } from './internal/sources.js';

/**
 * A WHATWG ReadableStream as far as `withHeartbeat` needs one: Node's own (`node:stream/web`) and the DOM's
 * (fetch's `response.body`, `blob.stream()`) both fit, and this type needs neither the DOM lib nor `stream/web`.
 */
export interface WebReadableStreamLike {
  getReader(): { read(): PromiseLike<{ done: boolean; value?: string | Uint8Array | undefined }> };
  cancel(reason?: unknown): PromiseLike<void>;
}

/** Anything `withHeartbeat` can wrap. String chunks are read as UTF-8. */
export type HeartbeatSource = NodeJS.ReadableStream | AsyncIterable<string | Uint8Array> | WebReadableStreamLike;

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
