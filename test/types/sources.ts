// Compiled by `tsc` with and without the DOM lib (tsconfig.json, and test/types/tsconfig.dom.json): the global
// ReadableStream is Node's without the DOM lib and the DOM's with it, and withHeartbeat takes both.
import { Readable } from 'node:stream';
import { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { withHeartbeat } from '../../src/index.js';

export async function sources(blob: Blob): Promise<void> {
  const response = await fetch('http://127.0.0.1:9/log');
  withHeartbeat(response.body!);
  withHeartbeat(blob.stream());
  withHeartbeat(new ReadableStream<Uint8Array>());
  withHeartbeat(new NodeReadableStream<Uint8Array>());
  withHeartbeat(new ReadableStream<string>());
  withHeartbeat(Readable.from(['a']));
  withHeartbeat(process.stdin);
  withHeartbeat((async function* () {
    yield 'line\n';
  })());
  // @ts-expect-error -- a stream of numbers is not bytes
  withHeartbeat(new ReadableStream<number>());
  // @ts-expect-error -- a string is not a source
  withHeartbeat('log text');
}
