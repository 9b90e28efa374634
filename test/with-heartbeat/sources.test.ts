import { describe, expect, it, vi } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { text } from 'node:stream/consumers';
import { withHeartbeat, type HeartbeatSource } from '../../src/index.js';
import { joined, record } from '../support/recording.js';
import { useFakeClock } from '../support/fake-clock.js';

useFakeClock();

/** Yields each part after `silenceMs` of (fake) silence. */
async function* slowly(parts: Array<string | Uint8Array>, silenceMs: number): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) {
    await new Promise((resolve) => setTimeout(resolve, silenceMs));
    yield part;
  }
}

const sources: Array<[string, (parts: string[], silenceMs: number) => HeartbeatSource]> = [
  ['a Node Readable', (parts, silenceMs) => Readable.from(slowly(parts, silenceMs), { objectMode: false })],
  ['an async iterable', (parts, silenceMs) => slowly(parts, silenceMs)],
  [
    'a WHATWG ReadableStream',
    (parts, silenceMs) => {
      const iterator = slowly(parts.map((part) => Buffer.from(part)), silenceMs);
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value as Uint8Array);
        },
      });
    },
  ],
];

describe('withHeartbeat wraps every kind of source', () => {
  it.each(sources)('%s: passes bytes through and fills silences', async (_name, make) => {
    const wrapper = withHeartbeat(make(['step 1\n', '步骤 2\n'], 45_000), { idleLimitMs: 60_000 });
    const arrivals = record(wrapper);
    const ended = new Promise((resolve) => wrapper.on('end', resolve));
    await vi.advanceTimersByTimeAsync(90_000);
    await ended;
    expect(joined(arrivals).toString()).toBe(' step 1\n 步骤 2\n');
    expect(wrapper.heartbeats).toBe(2);
    expect(wrapper.dataBytes).toBe(Buffer.byteLength('step 1\n步骤 2\n'));
  });

  it('reads string chunks as UTF-8', async () => {
    vi.useRealTimers();
    const source = new PassThrough();
    source.setEncoding('utf8');
    const wrapper = withHeartbeat(source);
    source.end('日志 ok');
    expect(await text(wrapper)).toBe('日志 ok');
  });

  it('ends only after held-back bytes are flushed', async () => {
    vi.useRealTimers();
    const cut = Buffer.from([0x61, 0xe6, 0x9e]); // 'a' then 2 of 3 bytes of a character
    const wrapper = withHeartbeat(Readable.from([cut], { objectMode: false }));
    const chunks: Buffer[] = [];
    for await (const chunk of wrapper) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(cut);
  });

  it('does not consume the source until the wrapper is read', async () => {
    const source = new PassThrough();
    source.write('waiting');
    const wrapper = withHeartbeat(source);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(source.readableLength).toBe(7);
    expect(wrapper.heartbeats).toBe(0);
    wrapper.destroy();
  });

  it.each([
    ['a string', 'log text'],
    ['a number', 42],
    ['null', null],
    ['a plain object', { on() {} }],
    ['a sync iterable', ['a', 'b']],
  ])('rejects %s with a TypeError', (_name, source) => {
    expect(() => withHeartbeat(source as unknown as HeartbeatSource)).toThrow(TypeError);
    expect(() => withHeartbeat(source as unknown as HeartbeatSource)).toThrow(
      /^source must be a Node\.js Readable, an async iterable or a ReadableStream, got /,
    );
  });
});
