import { describe, expect, it, vi } from 'vitest';
import { HeartbeatReadable } from '../src/index.js';
import { isUtf8 } from 'node:buffer';
import { incompleteUtf8TailLength } from '../src/utf8.js';
import { joined, record } from './support/recording.js';
import { nextTick, useFakeClock } from './support/fake-clock.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('incompleteUtf8TailLength', () => {
  it.each([
    ['empty', Buffer.alloc(0), 0],
    ['ASCII', bytes('build ok'), 0],
    ['a whole 2-byte character', bytes('é'), 0],
    ['a whole 3-byte character', bytes('日志'), 0],
    ['a whole 4-byte character', bytes('🚀'), 0],
    ['1 of 2 bytes', bytes('é').subarray(0, 1), 1],
    ['1 of 3 bytes', bytes('日').subarray(0, 1), 1],
    ['2 of 3 bytes', bytes('a日').subarray(0, 3), 2],
    ['1 of 4 bytes', bytes('🚀').subarray(0, 1), 1],
    ['2 of 4 bytes', bytes('🚀').subarray(0, 2), 2],
    ['3 of 4 bytes', bytes('🚀').subarray(0, 3), 3],
    ['stray continuation bytes (not UTF-8)', Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80]), 0],
    ['an invalid lead byte 0xff', Buffer.from([0x61, 0xff]), 0],
    ['an overlong lead byte 0xc0', Buffer.from([0x61, 0xc0]), 0],
  ])('%s → %i', (_name, input, expected) => {
    expect(incompleteUtf8TailLength(input)).toBe(expected);
  });

  it('agrees with a decoder on every prefix of mixed text', () => {
    const text = bytes('log: 构建成功 ✓ déjà vu 🚀 end');
    for (let end = 0; end <= text.length; end++) {
      const prefix = text.subarray(0, end);
      const complete = prefix.subarray(0, end - incompleteUtf8TailLength(prefix));
      expect(isUtf8(complete)).toBe(true);
    }
  });
});

describe('utf8Safe: a filler never lands inside a character', () => {
  useFakeClock();

  it.each([
    ['a CJK character split 1 + 2', '构', 1],
    ['a CJK character split 2 + 1', '构', 2],
    ['an emoji split 1 + 3', '🚀', 1],
    ['an emoji split 2 + 2', '🚀', 2],
    ['an emoji split 3 + 1', '🚀', 3],
    ['a Latin character split 1 + 1', 'é', 1],
  ])('holds back %s until the rest arrives, with fillers before it', async (_name, character, split) => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    const arrivals = record(stream);
    const whole = bytes(`编译 ${character}`);
    const cut = whole.length - bytes(character).length + split;
    stream.push(whole.subarray(0, cut));
    await vi.advanceTimersByTimeAsync(90_000); // a silent child process, mid-character
    stream.push(whole.subarray(cut));
    stream.push(null);
    await vi.advanceTimersByTimeAsync(0);

    const output = joined(arrivals);
    expect(isUtf8(output)).toBe(true);
    expect(output.toString()).toBe(`编译    ${character}`);
    expect(stream.heartbeats).toBe(3);
    expect(stream.dataBytes).toBe(whole.length);
  });

  it('flushes held-back bytes when the stream ends, before end', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    const arrivals = record(stream);
    const ended = new Promise((resolve) => stream.on('end', resolve));
    stream.push(Buffer.from([0x61, 0xe6, 0x9e])); // 'a' and 2 of 3 bytes of a character
    stream.push(null);
    await ended;
    expect(joined(arrivals)).toEqual(Buffer.from([0x61, 0xe6, 0x9e]));
    expect(stream.dataBytes).toBe(3);
  });

  it('holds a character split across three pushes and counts its bytes once delivered', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    const arrivals = record(stream);
    await nextTick();
    const rocket = bytes('🚀');
    for (const byte of rocket) {
      stream.push(Buffer.from([byte]));
      await vi.advanceTimersByTimeAsync(30_000);
    }
    expect(stream.dataBytes).toBe(4);
    expect(joined(arrivals).toString()).toBe('   🚀 ');
    stream.destroy();
  });

  it('treats strings in byte encodings (hex, latin1) as bytes that may end mid-character', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000 });
    const arrivals = record(stream);
    stream.push('e69e', 'hex');
    await vi.advanceTimersByTimeAsync(30_000);
    stream.push('84', 'hex');
    stream.push(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(joined(arrivals).toString()).toBe(' 构');
  });

  it('with utf8Safe: false delivers every byte at once, so a filler can split a character', async () => {
    const stream = new HeartbeatReadable({ idleLimitMs: 60_000, utf8Safe: false });
    const arrivals = record(stream);
    stream.push(bytes('构').subarray(0, 1));
    await vi.advanceTimersByTimeAsync(30_000);
    stream.push(bytes('构').subarray(1));
    stream.push(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(isUtf8(joined(arrivals))).toBe(false);
  });
});
