import { describe, expect, it, vi } from 'vitest';
import { HeartbeatReadable } from '../../src/index.js';
import { joined, record } from '../support/recording.js';
import { useFakeClock } from '../support/fake-clock.js';

useFakeClock();

describe('a drop-in Readable', () => {
  it("works as the seed used its stream: _read assigned after construction, pushed to from outside", async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    stream._read = () => {};
    const arrivals = record(stream);
    stream.push('foo');
    await vi.advanceTimersByTimeAsync(120_000);
    stream.push('bar');
    stream.push(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(joined(arrivals).toString()).toBe('foo    bar');
  });

  it('calls a subclass push once per chunk, strings included', () => {
    const seen: unknown[] = [];
    class Logged extends HeartbeatReadable {
      override push(chunk: unknown, encoding?: BufferEncoding): boolean {
        seen.push(chunk);
        return super.push(chunk, encoding);
      }
    }
    const stream = new Logged();
    stream.push('text');
    stream.push(Buffer.from('bytes'));
    expect(seen).toEqual(['text', Buffer.from('bytes')]);
    expect(stream.dataBytes).toBe(9);
    stream.destroy();
  });
});
