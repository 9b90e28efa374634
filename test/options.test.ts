import { describe, expect, it } from 'vitest';
import { HeartbeatReadable, IDLE_LIMITS } from '../src/index.js';
import { manualTimers } from './support/fake-clock.js';

// Bad options, each with the message it must carry: test/reliability/bad-input.test.ts.

describe('the longest heartbeatAfterMs: ceil(heartbeatAfterMs) + ceil(heartbeatAfterMs / 16) < idleLimitMs', () => {
  it.each([
    [1_000, 940],
    [60_000, 56_469],
    [55_000, 51_763],
    [3, 1],
  ])('idleLimitMs %i takes heartbeatAfterMs up to %i and refuses anything above it', (idleLimitMs, most) => {
    expect(most + Math.ceil(most / 16)).toBeLessThan(idleLimitMs);
    expect(() => new HeartbeatReadable({ idleLimitMs, heartbeatAfterMs: most }).destroy()).not.toThrow();
    for (const over of [most + 0.5, most + 1]) {
      expect(() => new HeartbeatReadable({ idleLimitMs, heartbeatAfterMs: over })).toThrow(
        `heartbeatAfterMs must be at most ${most} for idleLimitMs ${idleLimitMs}`,
      );
    }
  });
});

describe('the default heartbeatAfterMs', () => {
  it('is the longest allowed where half the limit would round up past it (a 3 ms limit: 1 ms, not 1.5)', () => {
    const timers = manualTimers();
    const stream = new HeartbeatReadable({ idleLimitMs: 3, timers });
    stream.resume();
    timers.advance(3);
    expect(stream.heartbeats).toBe(3);
    stream.destroy();
  });
});

describe('good options', () => {
  it('IDLE_LIMITS holds the known servers and cannot be changed', () => {
    expect(IDLE_LIMITS).toEqual({ oss: 60_000, nginx: 60_000, alb: 60_000, heroku: 55_000 });
    expect(Object.isFrozen(IDLE_LIMITS)).toBe(true);
  });

  it('accepts a binary filler when utf8Safe is false, and a multi-byte one when true', () => {
    expect(() => new HeartbeatReadable({ filler: Buffer.from([0]), utf8Safe: false }).destroy()).not.toThrow();
    expect(() => new HeartbeatReadable({ filler: Buffer.from([0xe6]), utf8Safe: false }).destroy()).not.toThrow();
    expect(() => new HeartbeatReadable({ filler: '·' }).destroy()).not.toThrow();
  });

  it('passes Readable options through', () => {
    const stream = new HeartbeatReadable({ highWaterMark: 7, encoding: 'utf8' });
    expect(stream.readableHighWaterMark).toBe(7);
    expect(stream.readableEncoding).toBe('utf8');
    stream.destroy();
  });
});
