import { describe, expect, it } from 'vitest';
import { HeartbeatReadable, IDLE_LIMITS, withHeartbeat, type HeartbeatOptions } from '../src/index.js';
import { manualTimers } from './helpers.js';

// Each row: options given, the error class, and the message it must carry.
const badOptions: Array<[string, unknown, ErrorConstructor, string]> = [
  ['options a string', '60s', TypeError, 'options must be an object, got "60s"'],
  ['options null', null, TypeError, 'options must be an object, got null'],
  ['idleLimitMs a string', { idleLimitMs: '60s' }, TypeError, 'idleLimitMs must be a positive finite number, got "60s"'],
  ['idleLimitMs NaN', { idleLimitMs: NaN }, RangeError, 'idleLimitMs must be a positive finite number, got NaN'],
  ['idleLimitMs Infinity', { idleLimitMs: Infinity }, RangeError, 'idleLimitMs must be a positive finite number, got Infinity'],
  ['idleLimitMs negative', { idleLimitMs: -1 }, RangeError, 'idleLimitMs must be a positive finite number, got -1'],
  ['idleLimitMs zero', { idleLimitMs: 0 }, RangeError, 'idleLimitMs must be a positive finite number, got 0'],
  ['idleLimitMs beyond a timer', { idleLimitMs: 2 ** 40 }, RangeError, 'idleLimitMs must be at most 2147483647 ms, got 1099511627776'],
  ['heartbeatAfterMs null', { heartbeatAfterMs: null }, TypeError, 'heartbeatAfterMs must be a positive finite number, got null'],
  ['heartbeatAfterMs zero', { heartbeatAfterMs: 0 }, RangeError, 'heartbeatAfterMs must be a positive finite number, got 0'],
  ['heartbeatAfterMs equal to the limit', { idleLimitMs: 60_000, heartbeatAfterMs: 60_000 }, RangeError,
    'heartbeatAfterMs must be at most 56469 for idleLimitMs 60000 (the longest gap, ceil(heartbeatAfterMs) + ' +
      'ceil(heartbeatAfterMs / 16) ms, must stay under idleLimitMs), got 60000'],
  ['heartbeatAfterMs above the default limit', { heartbeatAfterMs: 90_000 }, RangeError,
    'heartbeatAfterMs must be at most 56469 for idleLimitMs 60000'],
  ['heartbeatAfterMs one step short of the limit', { idleLimitMs: 1_000, heartbeatAfterMs: 960 }, RangeError,
    'heartbeatAfterMs must be at most 940 for idleLimitMs 1000'],
  ['idleLimitMs too short for any heartbeat', { idleLimitMs: 2 }, RangeError,
    'idleLimitMs must be more than 2 (the longest gap, ceil(heartbeatAfterMs) + ceil(heartbeatAfterMs / 16) ms, ' +
      'is 2 ms at the least), got 2'],
  ['filler a number', { filler: 32 }, TypeError, 'filler must be a string or Uint8Array, got 32'],
  ['filler empty string', { filler: '' }, RangeError, 'filler must not be empty, got ""'],
  ['filler empty bytes', { filler: new Uint8Array(0) }, RangeError, 'filler must not be empty, got Uint8Array(0) []'],
  ['filler half a character', { filler: Buffer.from([0xe6]) }, RangeError,
    'filler must be valid UTF-8 when utf8Safe is true, got <Buffer e6>'],
  ['utf8Safe a string', { utf8Safe: 'yes' }, TypeError, 'utf8Safe must be a boolean, got "yes"'],
  ['timers not an object', { timers: 5 }, TypeError, 'timers must be an object, got 5'],
  ['timers without clearTimeout', { timers: { setTimeout } }, TypeError, 'timers.clearTimeout must be a function, got undefined'],
  ['objectMode', { objectMode: true }, TypeError, 'objectMode must be false: heartbeat fillers are bytes, got true'],
];

describe('bad options throw synchronously, naming the option and the value', () => {
  it.each(badOptions)('%s', (_name, options, errorClass, message) => {
    const make = () => new HeartbeatReadable(options as HeartbeatOptions);
    expect(make).toThrow(errorClass);
    expect(make).toThrow(message);
    const wrap = () => withHeartbeat((async function* () {})(), options as HeartbeatOptions);
    expect(wrap).toThrow(errorClass);
    expect(wrap).toThrow(message);
  });
});

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
