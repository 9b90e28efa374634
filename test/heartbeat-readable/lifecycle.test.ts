import { describe, expect, it, vi } from 'vitest';
import { finished } from 'node:stream/promises';
import { HeartbeatReadable } from '../../src/index.js';
import { manualTimers, nextTick, useFakeClock } from '../support/fake-clock.js';

const MINUTE = 60_000;

useFakeClock();

function reading(options = {}): HeartbeatReadable {
  const stream = new HeartbeatReadable({ idleLimitMs: MINUTE, ...options });
  stream.on('data', () => {});
  return stream;
}

describe('no timer outlives the stream', () => {
  it('clears the timer when the stream ends', async () => {
    const stream = reading();
    await nextTick();
    stream.push('log');
    expect(vi.getTimerCount()).toBe(1);
    stream.push(null);
    expect(vi.getTimerCount()).toBe(0);
    await finished(stream);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(stream.heartbeats).toBe(0);
  });

  it('clears the timer on destroy(), with or without an error', async () => {
    for (const error of [undefined, new Error('step failed')]) {
      const stream = reading();
      stream.on('error', () => {});
      await nextTick();
      expect(vi.getTimerCount()).toBe(1);
      stream.destroy(error);
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  it('clears the timer when the stream errors by itself', async () => {
    const stream = reading();
    const errors: Error[] = [];
    stream.on('error', (error) => errors.push(error));
    await vi.advanceTimersByTimeAsync(0);
    stream.push(42); // not a byte chunk: the stream errors and destroys itself
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops re-arming once errored even without autoDestroy', async () => {
    const stream = reading({ autoDestroy: false });
    stream.on('error', () => {});
    await vi.advanceTimersByTimeAsync(0);
    stream.push(42);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(stream.heartbeats).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("emits nothing after close: no 'heartbeat', no 'data'", async () => {
    const stream = reading();
    const after: string[] = [];
    stream.on('close', () => {
      stream.on('heartbeat', () => after.push('heartbeat'));
      stream.on('data', () => after.push('data'));
    });
    await vi.advanceTimersByTimeAsync(0);
    stream.destroy();
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(after).toEqual([]);
  });

  it('keeps at most one pending timer however many chunks are pushed', async () => {
    const stream = reading();
    await nextTick();
    for (let i = 0; i < 1_000; i++) {
      stream.push(`line ${i}\n`);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(100);
    }
    stream.destroy();
  });
});

describe('wake-ups', () => {
  it('an idle stream wakes once per heartbeatAfterMs, not on a fast poll', async () => {
    const timers = manualTimers();
    const stream = reading({ timers });
    await nextTick();
    timers.advance(10 * MINUTE);
    expect(stream.heartbeats).toBe(20);
    expect(timers.setTimeoutCalls).toBeLessThanOrEqual(2 * 20 + 1);
    expect(timers.pending()).toBe(1);
    stream.destroy();
    expect(timers.pending()).toBe(0);
  });

  it('a busy stream follows its data in steps of heartbeatAfterMs / 16: a push sets no timer', async () => {
    const timers = manualTimers();
    const stream = reading({ timers });
    await nextTick();
    for (let ms = 0; ms < 10 * MINUTE; ms += 250) {
      for (let line = 0; line < 10; line++) stream.push('x');
      timers.advance(250);
    }
    expect(stream.heartbeats).toBe(0);
    // 10 minutes at 30 s: 20 periods of 16 steps, for 24,000 pushes.
    expect(timers.setTimeoutCalls).toBeLessThanOrEqual(16 * 20 + 2);
    stream.destroy();
  });

  it('a chunk after a quiet spell is stamped exactly: its filler comes heartbeatAfterMs after it', async () => {
    const timers = manualTimers();
    const stream = reading({ timers });
    const fillersAt: number[] = [];
    stream.on('heartbeat', () => fillersAt.push(timers.now()));
    await nextTick();
    timers.advance(10_000);
    stream.push('x');
    timers.advance(40_000);
    expect(fillersAt).toEqual([40_000]);
    stream.destroy();
  });

  it('unrefs its timer so a process with only idle heartbeat streams can exit', () => {
    vi.useRealTimers();
    const handles: NodeJS.Timeout[] = [];
    const stream = new HeartbeatReadable({
      idleLimitMs: MINUTE,
      timers: {
        setTimeout: (callback: () => void, ms: number) => {
          const handle = setTimeout(callback, ms);
          handles.push(handle);
          return handle;
        },
        clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
      },
    });
    stream.resume();
    expect(handles).toHaveLength(1);
    expect(handles[0]!.hasRef()).toBe(false);
    stream.destroy();
  });
});
