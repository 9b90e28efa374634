// Readable sources for uploads and appends: a paced one, one that goes quiet, one a test pushes into.
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** A source that sends `first`, then nothing: a build step that has gone quiet. */
export function silentAfter(first: string): Readable {
  const source = new Readable({ read() {} });
  source.push(first);
  return source;
}

/** Yields each chunk after a silence, the first one included: `pauseMs` each time, or the one at the chunk's index. */
export async function* paced(chunks: Uint8Array[], pauseMs: number | readonly number[]): AsyncGenerator<Uint8Array> {
  for (const [index, chunk] of chunks.entries()) {
    await sleep(typeof pauseMs === 'number' ? pauseMs : pauseMs[index]);
    yield chunk;
  }
}

/** A source a build runner pushes log chunks into. */
export function logSource(): Readable {
  return new Readable({ read() {} });
}
