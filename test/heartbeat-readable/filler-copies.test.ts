import { describe, expect, it, vi } from 'vitest';
import { HeartbeatReadable } from '../../src/index.js';
import { useFakeClock } from '../support/fake-clock.js';

useFakeClock();

/** Reads `stream` and writes 'X' into every chunk it receives, as a consumer that owns its Buffers may. */
function scribbling(stream: HeartbeatReadable): string[] {
  const seen: string[] = [];
  stream.on('data', (chunk: Buffer) => {
    seen.push(chunk.toString());
    chunk.fill('X');
  });
  return seen;
}

describe('a filler a reader receives is its own memory', () => {
  it.each([
    ['the default filler', undefined],
    ['a string filler', '\n'],
    ['a Uint8Array filler', new Uint8Array([0x2e])],
  ])("writing into %s changes neither this stream's next filler nor another stream's", async (_name, filler) => {
    const first = new HeartbeatReadable({ idleLimitMs: 60_000, ...(filler !== undefined && { filler }) });
    const second = new HeartbeatReadable({ idleLimitMs: 60_000, ...(filler !== undefined && { filler }) });
    const fromFirst = scribbling(first);
    const fromSecond: string[] = [];
    second.on('data', (chunk: Buffer) => fromSecond.push(chunk.toString()));
    await vi.advanceTimersByTimeAsync(90_000);

    const expected = filler === undefined ? ' ' : Buffer.from(filler).toString();
    expect(fromFirst).toEqual([expected, expected, expected]);
    expect(fromSecond).toEqual([expected, expected, expected]);
    first.destroy();
    second.destroy();
  });

  it('the filler given in the options is copied: changing it later changes nothing', async () => {
    const filler = Buffer.from('.');
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000, filler });
    const seen: string[] = [];
    stream.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
    filler.fill('X');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(seen).toEqual(['.']);
    stream.destroy();
  });
});
