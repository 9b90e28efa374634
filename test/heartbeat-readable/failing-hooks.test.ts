import { finished } from 'node:stream/promises';
import { describe, expect, it, vi } from 'vitest';
import { HeartbeatReadable, type HeartbeatTimers } from '../../src/index.js';
import { manualTimers, useFakeClock } from '../support/fake-clock.js';

const MINUTE = 60_000;

/** Manual timers whose setTimeout (or clearTimeout) throws once `failing` is set. */
function breakableTimers(which: keyof HeartbeatTimers): ReturnType<typeof manualTimers> & { failing: boolean; failure: Error } {
  const timers = manualTimers();
  const broken = Object.assign(timers, { failing: false, failure: new Error(`${which} failed`) });
  const original = timers[which].bind(timers) as (...args: unknown[]) => unknown;
  (broken as unknown as Record<string, unknown>)[which] = (...args: unknown[]) => {
    if (broken.failing) throw broken.failure;
    return original(...args);
  };
  return broken;
}

/** The error a stream was destroyed with, or 'none' once it finished without one. */
function outcome(stream: HeartbeatReadable): Promise<unknown> {
  return finished(stream).then(
    () => 'none',
    (error: unknown) => error,
  );
}

/** A flowing stream on breakable timers, its outcome, and its `which` failing from now on. */
function flowingOnFailing(which: keyof HeartbeatTimers): {
  timers: ReturnType<typeof breakableTimers>;
  stream: HeartbeatReadable;
  ended: Promise<unknown>;
} {
  const timers = breakableTimers(which);
  const stream = new HeartbeatReadable({ timers });
  stream.resume();
  const ended = outcome(stream);
  timers.failing = true;
  return { timers, stream, ended };
}

describe("a 'heartbeat' or 'data' listener that throws", () => {
  useFakeClock();

  it('does not stop the heartbeat: the next timer is set before the listeners run, and their error propagates', () => {
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE });
    stream.on('heartbeat', ({ count }) => {
      if (count === 1) throw new Error('listener failed');
    });
    stream.resume();
    // The fake clock reports a timer's error once it has run every timer due: the heartbeat went on meanwhile.
    expect(() => vi.advanceTimersByTime(5 * MINUTE)).toThrow('listener failed');
    expect(stream.heartbeats).toBe(10);
    expect(stream.destroyed).toBe(false);
    stream.destroy();
  });

  it("leaves the timer set when a 'data' listener throws on the filler", () => {
    const timers = manualTimers();
    const stream = new HeartbeatReadable({ idleLimitMs: MINUTE, timers });
    stream.read(); // a reader that has read: the next push goes straight to 'data' listeners
    stream.on('data', () => {
      throw new Error('reader failed');
    });
    expect(() => timers.advance(30_000)).toThrow('reader failed');
    expect(timers.pending()).toBe(1);
    stream.destroy();
  });
});

describe('an injected setTimeout that throws destroys the stream with its error; nothing escapes', () => {
  it.each([
    ['resume()', (stream: HeartbeatReadable) => void stream.resume()],
    ['read()', (stream: HeartbeatReadable) => void stream.read()],
    ["a 'readable' listener", (stream: HeartbeatReadable) => void stream.on('readable', () => {})],
  ])('when the first reader starts the clock with %s', async (_name, start) => {
    const timers = breakableTimers('setTimeout');
    timers.failing = true;
    const stream = new HeartbeatReadable({ timers });
    const ended = outcome(stream);
    expect(() => start(stream)).not.toThrow();
    await expect(ended).resolves.toBe(timers.failure);
  });

  it('when a push after a quiet spell wakes the timer', async () => {
    const { timers, stream, ended } = flowingOnFailing('setTimeout');
    expect(stream.push('step 1\n')).toBe(false);
    await expect(ended).resolves.toBe(timers.failure);
  });

  it('when the timer sets the next one', async () => {
    const { timers, stream, ended } = flowingOnFailing('setTimeout');
    expect(() => timers.advance(MINUTE)).not.toThrow();
    await expect(ended).resolves.toBe(timers.failure);
    expect(stream.heartbeats).toBe(0);
  });
});

describe('an injected clearTimeout that throws', () => {
  it('does not leave destroy() half done: the stream is destroyed, with that error when destroy() gave none', async () => {
    const { timers, stream, ended } = flowingOnFailing('clearTimeout');
    expect(() => stream.destroy()).not.toThrow();
    expect(stream.destroyed).toBe(true);
    await expect(ended).resolves.toBe(timers.failure);
  });

  it("keeps the error destroy() was given, and the timer it could not clear fires into nothing", async () => {
    const { timers, stream, ended } = flowingOnFailing('clearTimeout');
    const failure = new Error('build step failed');
    stream.destroy(failure);
    await expect(ended).resolves.toBe(failure);
    expect(timers.pending()).toBe(1);
    expect(() => timers.advance(MINUTE)).not.toThrow();
    expect(stream.heartbeats).toBe(0);
  });

  it('at the end, destroys the stream with its error instead of throwing from push(null)', async () => {
    const { timers, stream, ended } = flowingOnFailing('clearTimeout');
    expect(stream.push(null)).toBe(false);
    await expect(ended).resolves.toBe(timers.failure);
  });
});
