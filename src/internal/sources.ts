import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { describeValue } from './validation.js';

function isNodeStream(value: object): value is NodeJS.ReadableStream {
  return 'pipe' in value && typeof value.pipe === 'function' && 'on' in value && typeof value.on === 'function';
}

/**
 * A Node.js Readable for any source the package takes: a Node stream as it is, a WHATWG ReadableStream or an
 * async iterable converted.
 */
export function toNodeReadable(source: unknown): NodeJS.ReadableStream {
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
