import { PassThrough } from 'node:stream';
import { setTimeout as realSleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatReadable, withHeartbeat } from '../src/index.js';
import { joined, record, sink } from './support/recording.js';
import { manualTimers, nextTick } from './support/fake-clock.js';

const FIVE_MINUTES = 5 * 60_000;

afterEach(() => {
  vi.useRealTimers();
  vi.resetModules();
  vi.restoreAllMocks();
});

/** How a test starts reading: each is what an upload or a test does first. */
const readers: Array<[string, (stream: HeartbeatReadable) => void]> = [
  ['resume()', (stream) => void stream.resume()],
  ['pipe()', (stream) => void stream.pipe(sink())],
  ["a 'data' listener", (stream) => void stream.on('data', () => {})],
];

/** The streams a test may hold: the class itself, a wrapper, and each after a line of data. */
const subjects: Array<[string, (read: (stream: HeartbeatReadable) => void) => HeartbeatReadable]> = [
  ['HeartbeatReadable', (read) => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    read(stream);
    return stream;
  }],
  ['HeartbeatReadable after a line of data', (read) => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    read(stream);
    stream.push('step 1\n');
    return stream;
  }],
  ['withHeartbeat(source)', (read) => {
    const wrapper = withHeartbeat(new PassThrough(), { idleLimitMs: 60_000 });
    read(wrapper);
    return wrapper;
  }],
];

describe('ten heartbeats in five fake minutes under every Vitest setup', () => {
  const setups: Array<[string, Parameters<typeof vi.useFakeTimers>[0]]> = [
    ['all fakes', undefined],
    ['setTimeout and clearTimeout only, a real Date', { toFake: ['setTimeout', 'clearTimeout'] }],
  ];
  describe.each(setups)('%s', (_setup, config) => {
    describe.each(subjects)('%s', (_subject, make) => {
      it.each(readers)('read by %s, advanced synchronously at once', (_reader, read) => {
        vi.useFakeTimers(config);
        const stream = make(read);
        vi.advanceTimersByTime(FIVE_MINUTES);
        expect(stream.heartbeats).toBe(10);
        stream.destroy();
      });

      it.each(readers)('read by %s, advanced asynchronously', async (_reader, read) => {
        vi.useFakeTimers(config);
        const stream = make(read);
        await vi.advanceTimersByTimeAsync(FIVE_MINUTES);
        expect(stream.heartbeats).toBe(10);
        stream.destroy();
      });
    });
  });

  it('follows fake timers installed before the import (the timers are looked up when set)', async () => {
    vi.useFakeTimers();
    vi.resetModules();
    const fresh = await import('../src/index.js');
    const stream = new fresh.HeartbeatReadable({ idleLimitMs: 60_000 });
    stream.resume();
    vi.advanceTimersByTime(FIVE_MINUTES);
    expect(stream.heartbeats).toBe(10);
    stream.destroy();
  });
});

describe('injected timers', () => {
  it('drive the stream alone: the global timers are never touched', async () => {
    vi.useFakeTimers();
    const timers = manualTimers();
    const stream = new HeartbeatReadable({ idleLimitMs: 1_000, timers });
    const arrivals = record(stream);
    timers.advance(2_000);
    await nextTick();
    expect(vi.getTimerCount()).toBe(0);
    expect(joined(arrivals).toString()).toBe('    ');
    stream.destroy();
    expect(timers.pending()).toBe(0);
  });
});

describe('fake timers installed or removed while a stream runs', () => {
  it('installed while a quiet stream waits on a real timer: the next push clears that one and moves to the fake clock', () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    stream.resume(); // a real 30 s timer, unref'd
    vi.useFakeTimers();
    const warn = vi.spyOn(console, 'warn');
    stream.push('step 1\n');
    vi.advanceTimersByTime(FIVE_MINUTES);
    expect(stream.heartbeats).toBe(10);
    // The real timer was cleared by the real clearTimeout: a fake one would warn and leave it pending.
    expect(warn).not.toHaveBeenCalled();
    stream.destroy();
  });

  it('installed while the stream waits on a real timer: the fake clock takes over when that timer fires', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 100, heartbeatAfterMs: 40 });
    stream.resume();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await realSleep(80); // node:timers/promises is not faked
    expect(stream.heartbeats).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(400);
    expect(stream.heartbeats).toBe(11);
    stream.destroy();
  });

  it('removed while the stream runs: its pending timer goes with the fake clock, and no heartbeat follows', async () => {
    vi.useFakeTimers();
    const stream = new HeartbeatReadable({ idleLimitMs: 100, heartbeatAfterMs: 40 });
    stream.resume();
    vi.advanceTimersByTime(40);
    expect(stream.heartbeats).toBe(1);
    vi.useRealTimers();
    await realSleep(150);
    expect(stream.heartbeats).toBe(1);
    expect(() => stream.destroy()).not.toThrow();
  });
});
