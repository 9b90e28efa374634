import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { HeartbeatReadable, IDLE_LIMITS, type HeartbeatInfo } from '../../src/index.js';
import { joined, longestGap, record } from '../support/recording.js';
import { useFakeClock } from '../support/fake-clock.js';

const MINUTE = 60_000;

useFakeClock();

describe('one filler per heartbeatAfterMs of silence', () => {
  it('pushes one filler every heartbeatAfterMs (default idleLimitMs / 2) while silent, at OSS sizes', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: IDLE_LIMITS.oss });
    const start = Date.now();
    const arrivals = record(stream);
    stream.push('step 1\n');
    await vi.advanceTimersByTimeAsync(5 * MINUTE);

    expect(stream.heartbeats).toBe(10);
    expect(arrivals.slice(1).map((arrival) => arrival.at - start)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i + 1) * 30_000),
    );
    expect(joined(arrivals).toString()).toBe('step 1\n' + ' '.repeat(10));
    stream.destroy();
  });

  it('never pushes two fillers less than heartbeatAfterMs apart, and the longest gap is heartbeatAfterMs', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE, heartbeatAfterMs: 45_000 });
    const start = Date.now();
    const arrivals = record(stream);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);

    const gaps = arrivals.map((arrival, i) => arrival.at - (i === 0 ? start : arrivals[i - 1]!.at));
    expect(gaps.every((gap) => gap === 45_000)).toBe(true);
    expect(longestGap(arrivals, start)).toBeLessThan(MINUTE);
    stream.destroy();
  });

  it('data restarts the silence clock: no filler while data keeps coming within heartbeatAfterMs', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    record(stream);
    for (let second = 0; second < 600; second += 29) {
      stream.push(`line at ${second}s\n`);
      await vi.advanceTimersByTimeAsync(29_000);
    }
    expect(stream.heartbeats).toBe(0);
    stream.destroy();
  });

  it('a filler restarts the silence clock too, and later data restarts it again', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    const start = Date.now();
    const arrivals = record(stream);
    await vi.advanceTimersByTimeAsync(40_000); // filler at 30 s
    stream.push('x'); // data at 40 s
    await vi.advanceTimersByTimeAsync(60_000); // next filler at 70 s, then 100 s

    expect(arrivals.map((arrival) => [arrival.at - start, arrival.bytes.toString()])).toEqual([
      [30_000, ' '],
      [40_000, 'x'],
      [70_000, ' '],
      [100_000, ' '],
    ]);
    stream.destroy();
  });

  it("emits 'heartbeat' with the count and how long the stream had been silent", async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 10_000, heartbeatAfterMs: 4_000 });
    const infos: HeartbeatInfo[] = [];
    stream.on('heartbeat', (info) => infos.push(info));
    record(stream);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(infos).toEqual([
      { count: 1, silentMs: 4_000 },
      { count: 2, silentMs: 4_000 },
      { count: 3, silentMs: 4_000 },
    ]);
    stream.destroy();
  });

  it('uses the configured filler, counted in heartbeats and not in dataBytes', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE, filler: '\n' });
    const arrivals = record(stream);
    stream.push('héllo');
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(joined(arrivals).toString()).toBe('héllo\n\n');
    expect(stream.dataBytes).toBe(Buffer.byteLength('héllo'));
    expect(stream.heartbeats).toBe(2);
    stream.destroy();
  });
});

describe('the longest gap', () => {
  it('is heartbeatAfterMs and one step after flowing data: at the largest heartbeatAfterMs, still under idleLimitMs', async () => {
    // 940 is the largest heartbeatAfterMs for 1000 ms (options.test.ts); one step is ceil(940 / 16) = 59 ms.
    const stream = new HeartbeatReadable({ idleLimitMs: 1_000, heartbeatAfterMs: 940 });
    const start = Date.now();
    const arrivals = record(stream);
    stream.push('a'); // wakes the timer: steps at 59, 118, 177 ms
    setTimeout(() => stream.push('b'), 30);
    // Just after the step at 59 ms looked: only the step at 118 ms sees it, and the next finds silence.
    setTimeout(() => stream.push('c'), 59);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(arrivals.map((arrival) => [arrival.at - start, arrival.bytes.toString()])).toEqual([
      [0, 'a'],
      [30, 'b'],
      [59, 'c'],
      [59 + 999, ' '],
    ]);
    expect(longestGap(arrivals, start)).toBeLessThan(1_000);
    stream.destroy();
  });

  it('holds at heartbeatAfterMs 1, where nothing is left to wait after a silent step (a 0 ms timer would fire late)', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 3, heartbeatAfterMs: 1 });
    const start = Date.now();
    const arrivals = record(stream);
    stream.push('a');
    setTimeout(() => stream.push('b'), 0); // seen by the step at 1 ms; the step at 2 ms finds silence
    await vi.advanceTimersByTimeAsync(2);
    expect(arrivals.map((arrival) => [arrival.at - start, arrival.bytes.toString()])).toEqual([
      [0, 'a'],
      [0, 'b'],
      [2, ' '],
    ]);
    stream.destroy();
  });

  it('is heartbeatAfterMs exactly after a chunk that came alone', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 1_000, heartbeatAfterMs: 940 });
    const start = Date.now();
    const arrivals = record(stream);
    setTimeout(() => stream.push('a'), 100);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(arrivals.map((arrival) => arrival.at - start)).toEqual([100, 1_040]);
    stream.destroy();
  });
});

describe('the silence clock starts when a reader does, not before', () => {
  it('gathers no fillers before anyone reads, however long it waits', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(stream.heartbeats).toBe(0);
    expect(stream.readableLength).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    const start = Date.now();
    const arrivals = record(stream);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(arrivals.map((arrival) => arrival.at - start)).toEqual([30_000]);
    stream.destroy();
  });

  it('does not start at the first push: pushed data waits unread and no filler joins it', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    stream.push('early');
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(stream.heartbeats).toBe(0);
    expect(stream.readableLength).toBe(5);
  });

  it('keeps alive a build whose first step is silent: the reader gets a filler before any data', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    const arrivals = record(stream);
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    stream.push('first output');
    stream.push(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(joined(arrivals).toString()).toBe('    first output');
  });

  // Synchronously: resume() and pipe() read on the next tick, but a fake clock advanced at once must see the start.
  it.each([
    ['resume()', (stream: HeartbeatReadable) => void stream.resume()],
    ['pipe()', (stream: HeartbeatReadable) => void stream.pipe(new PassThrough()).resume()],
    ["a 'data' listener", (stream: HeartbeatReadable) => void stream.on('data', () => {})],
    // destroy() at the end rejects the pending next(): not what this checks.
    ['an async iterator', (stream: HeartbeatReadable) => void stream[Symbol.asyncIterator]().next().catch(() => {})],
    ['read()', (stream: HeartbeatReadable) => void stream.read()],
    ["a 'readable' listener and read()", (stream: HeartbeatReadable) => void stream.on('readable', () => stream.read())],
  ])('starts at once for a consumer using %s', (_name, consume) => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    consume(stream);
    vi.advanceTimersByTime(30_000);
    expect(stream.heartbeats).toBe(1);
    stream.destroy();
  });

  it('read(0), how streams fill their buffer ahead of a consumer, does not start it', () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    stream.read(0);
    expect(vi.getTimerCount()).toBe(0);
    stream.destroy();
  });
});
