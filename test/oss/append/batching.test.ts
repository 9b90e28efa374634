import { Duplex, PassThrough, Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { appendStream } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { fakeOss } from '../../support/fake-oss.js';
import { KEY, runUntil, startRun } from './helpers.js';
import { logSource } from '../../support/sources.js';

useFakeClock();

describe('appendStream batching (fake clock, fake OSS)', () => {
  it('appends the first line after a silence at once, and the lines after it flushIntervalMs after that append', async () => {
    const run = await startRun({ flushIntervalMs: 1000 });
    const start = Date.now();
    run.source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(run.appends()).toMatchObject([{ at: start, position: 0, bytes: 7 }]);
    await vi.advanceTimersByTimeAsync(200);
    run.source.push('step 2\n');
    await vi.advanceTimersByTimeAsync(799);
    expect(run.appends()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.appends()).toMatchObject([{}, { at: start + 1000, position: 7, bytes: 7 }]);
    expect(run.fake.body(KEY)?.toString()).toBe('step 1\nstep 2\n');
    run.source.push(null);
    await runUntil(run.done);
  });

  it('appends at once again once flushIntervalMs has passed without an append', async () => {
    const run = await startRun({ flushIntervalMs: 1000 });
    run.source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(5000);
    const after = Date.now();
    run.source.push('step 2\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(run.appends()).toMatchObject([{}, { at: after, position: 7 }]);
    run.source.push(null);
    await runUntil(run.done);
  });

  it('takes the bytes that came while it looked the object up at once, in one append', async () => {
    const fake = fakeOss({ latencyMs: 400 });
    const source = logSource();
    const start = Date.now();
    const result = appendStream(fake.client, KEY, source, { flushIntervalMs: 1000 });
    source.push('first line\n');
    await vi.advanceTimersByTimeAsync(100);
    source.push('second line\n');
    await vi.advanceTimersByTimeAsync(299);
    expect(fake.requests).toMatchObject([{ method: 'head', at: start }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.requests).toMatchObject([{}, { method: 'append', at: start + 400, bytes: 23 }]);
    source.push(null);
    // The append, then the completion marker's two tagging requests.
    await vi.advanceTimersByTimeAsync(3 * 400);
    await expect(result).resolves.toMatchObject({ bytes: 23, appends: 1, complete: true });
  });

  it('sends the bytes that arrive within one interval after an append in one append', async () => {
    const run = await startRun({ flushIntervalMs: 1000 });
    run.source.push('first\n');
    await vi.advanceTimersByTimeAsync(0);
    for (const line of ['a\n', 'b\n', 'c\n']) {
      run.source.push(line);
      await vi.advanceTimersByTimeAsync(300);
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(run.appends()).toMatchObject([{ position: 0, bytes: 6 }, { position: 6, bytes: 6 }]);
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.value).toMatchObject({ bytes: 12, appends: 2 });
  });

  it('sends a full batch at once, and the rest when its oldest byte is due', async () => {
    const run = await startRun({ maxAppendBytes: 10, flushIntervalMs: 1000 });
    const start = Date.now();
    run.source.push('0123456789abcdefghijKLMNO');
    await vi.advanceTimersByTimeAsync(0);
    expect(run.appends()).toMatchObject([
      { at: start, position: 0, bytes: 10 },
      { at: start, position: 10, bytes: 10 },
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(run.appends()).toMatchObject([{}, {}, { at: start + 1000, position: 20, bytes: 5 }]);
    expect(run.fake.body(KEY)?.toString()).toBe('0123456789abcdefghijKLMNO');
    run.source.push(null);
    await runUntil(run.done);
  });

  it('flushes at once when the source ends, and resolves with what it stored', async () => {
    const run = await startRun({ flushIntervalMs: 60_000 });
    const start = Date.now();
    run.source.push('last words\n');
    run.source.push(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(run.appends()).toMatchObject([{ at: start, bytes: 11 }]);
    await run.done;
    expect(run.settlement.value).toEqual({
      name: KEY,
      bytes: 11,
      appends: 1,
      retries: 0,
      position: 11,
      crc64: run.fake.objects.get(KEY)!.crc64,
      complete: true,
      incompleteReason: undefined,
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends nothing and runs no timer while the source is silent: an hour costs no request', async () => {
    const run = await startRun();
    run.source.push('compiling...\n');
    await vi.advanceTimersByTimeAsync(1000);
    const requests = run.fake.requests.length;
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(run.fake.requests.length).toBe(requests);
    run.source.push('done\n');
    run.source.push(null);
    await runUntil(run.done);
    // Byte-exact: no filler marks the silence.
    expect(run.fake.body(KEY)?.toString()).toBe('compiling...\ndone\n');
  });

  it('holds bytes that arrive during an append until it lands, then sends them flushIntervalMs after it was sent', async () => {
    const run = await startRun({ flushIntervalMs: 1000 }, { latencyMs: 1400 });
    const start = Date.now();
    run.source.push('a\n');
    // The first append is in flight from start to start + 1400.
    await vi.advanceTimersByTimeAsync(100);
    run.source.push('b\n');
    await vi.advanceTimersByTimeAsync(1299);
    expect(run.appends()).toMatchObject([{ at: start, bytes: 2 }]);
    await vi.advanceTimersByTimeAsync(1);
    // Due at start + 1000 already: sent as soon as the first has landed.
    expect(run.appends()).toMatchObject([{}, { at: start + 1400, position: 2, bytes: 2 }]);
    run.source.push(null);
    await runUntil(run.done);
    expect(run.fake.body(KEY)?.toString()).toBe('a\nb\n');
  });

  it('takes any source withHeartbeat takes: a Node stream, an async iterable, a WHATWG stream, string chunks', async () => {
    async function* lines(): AsyncGenerator<string | Uint8Array> {
      yield '编译 ';
      yield Buffer.from('ok\n');
    }
    const sources = {
      node: Readable.from(['编译 ', 'ok\n']),
      iterable: lines(),
      web: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(Buffer.from('编译 '));
          controller.enqueue(new TextEncoder().encode('ok\n'));
          controller.close();
        },
      }),
    };
    for (const [kind, source] of Object.entries(sources)) {
      const fake = fakeOss({ latencyMs: 0 });
      const result = appendStream(fake.client, kind, source);
      await vi.advanceTimersByTimeAsync(10);
      await expect(result, kind).resolves.toMatchObject({ bytes: Buffer.byteLength('编译 ok\n') });
      expect(fake.body(kind)?.toString(), kind).toBe('编译 ok\n');
    }
  });

  it.each(['latin1', 'hex', 'base64', 'utf16le', 'utf8'] as const)(
    "stores the source's own bytes, byte for byte, when it was read with setEncoding('%s')",
    async (encoding) => {
      // Not valid UTF-8: a decode and re-encode as UTF-8 text would change them (all but 'utf8' must survive).
      const bytes = Buffer.from([0xe7, 0xbc, 0x96, 0xff, 0x00, 0x80, 0x0a, 0xc3]);
      const source = new PassThrough();
      source.setEncoding(encoding);
      const fake = fakeOss({ latencyMs: 0 });
      const result = appendStream(fake.client, KEY, source);
      source.end(bytes);
      await vi.advanceTimersByTimeAsync(10);
      await expect(result).resolves.toMatchObject({ name: KEY });
      const expected = encoding === 'utf8' ? Buffer.from(bytes.toString('utf8')) : bytes;
      expect(fake.body(KEY)).toEqual(expected);
    },
  );

  it('ends with the readable side of a Duplex source, however long its writable side stays open', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    const duplex = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback() });
    const result = appendStream(fake.client, KEY, duplex);
    duplex.push('peer said all\n');
    duplex.push(null);
    await vi.advanceTimersByTimeAsync(0);
    await expect(result).resolves.toMatchObject({ bytes: 14 });
    duplex.destroy();
  });

  it('stores nothing, and creates no object, for an empty source', async () => {
    const run = await startRun();
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.value).toMatchObject({ bytes: 0, appends: 0, position: 0 });
    expect(run.fake.objects.has(KEY)).toBe(false);
  });
});
