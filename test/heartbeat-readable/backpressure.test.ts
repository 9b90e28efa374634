import { describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { HeartbeatReadable } from '../../src/index.js';
import { useFakeClock } from '../support/fake-clock.js';

const MINUTE = 60_000;

useFakeClock();

describe('fillers go only to a reader that has taken everything', () => {
  it('a paused reader finds at most one filler waiting, never a pile', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    stream.on('data', () => {});
    await vi.advanceTimersByTimeAsync(0);
    stream.pause();
    await vi.advanceTimersByTimeAsync(30 * MINUTE);

    expect(stream.heartbeats).toBe(1);
    expect(stream.readableLength).toBe(1);
    stream.destroy();
  });

  it('pushes no filler while the reader has not taken the data already buffered', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    stream.on('data', () => {});
    await vi.advanceTimersByTimeAsync(0);
    stream.pause();
    stream.push('unread log line\n');
    await vi.advanceTimersByTimeAsync(30 * MINUTE);

    expect(stream.heartbeats).toBe(0);
    expect(stream.read()?.toString()).toBe('unread log line\n');
    stream.destroy();
  });

  it('resumes fillers within heartbeatAfterMs once the reader drains the buffer', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    const seen: string[] = [];
    stream.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
    await vi.advanceTimersByTimeAsync(0);
    stream.pause();
    stream.push('held');
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    stream.resume();
    await vi.advanceTimersByTimeAsync(0);
    const drainedAt = Date.now();
    await vi.advanceTimersByTimeAsync(30_000);

    expect(seen).toEqual(['held', ' ']);
    expect(Date.now() - drainedAt).toBeLessThanOrEqual(30_000);
    stream.destroy();
  });

  it('a slow destination gets no pile of fillers: while it is backed up, fillers stop', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE, highWaterMark: 4 });
    const stuck = new Writable({ highWaterMark: 1, write() {} }); // never calls back: a stalled socket
    stream.pipe(stuck);
    await vi.advanceTimersByTimeAsync(30 * MINUTE);

    // One filler went to the stalled writer, at most one more waits in the stream.
    expect(stream.heartbeats).toBeLessThanOrEqual(2);
    expect(stream.readableLength).toBeLessThanOrEqual(1);
    stream.destroy();
    stuck.destroy();
  });
});
