import { finished, Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { HeartbeatReadable } from './heartbeat-readable.js';
import { assertOptionsObject, describeValue, type HeartbeatOptions } from './options.js';

/** Anything `withHeartbeat` can wrap. String chunks are read as UTF-8. */
export type HeartbeatSource =
  | NodeJS.ReadableStream
  | AsyncIterable<string | Uint8Array>
  | ReadableStream<Uint8Array>;

function isNodeStream(value: object): value is NodeJS.ReadableStream {
  return 'pipe' in value && typeof value.pipe === 'function' && 'on' in value && typeof value.on === 'function';
}

function toNodeReadable(source: unknown): NodeJS.ReadableStream {
  if (typeof source === 'object' && source !== null) {
    if (isNodeStream(source)) return source;
    // fromWeb cancels the stream on destroy even while a read is pending; an iterator's return() would wait for it.
    if ('getReader' in source && typeof source.getReader === 'function') {
      return Readable.fromWeb(source as ReadableStream, { objectMode: false });
    }
    if (Symbol.asyncIterator in source) return Readable.from(source as AsyncIterable<unknown>, { objectMode: false });
  }
  throw new TypeError(
    `source must be a Node.js Readable, an async iterable or a ReadableStream, got ${describeValue(source)}`,
  );
}

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

  finished(input, (error) => {
    inputDone = true;
    if (error) wrapper.destroy(error);
    else wrapper.push(null);
  });
  return wrapper;
}
