import { describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ReadableStream } from 'node:stream/web';
import { withHeartbeat } from '../../src/index.js';
import { nextTick } from '../support/fake-clock.js';

describe('errors and destroy propagate', () => {
  it("the source's error destroys the wrapper with that same error object", async () => {
    const source = new PassThrough();
    const wrapper = withHeartbeat(source);
    wrapper.resume();
    const failure = new Error('compiler crashed');
    source.destroy(failure);
    await expect(finished(wrapper)).rejects.toBe(failure);
    expect(wrapper.destroyed).toBe(true);
  });

  it("an async iterable's thrown error reaches the wrapper as the same object", async () => {
    const failure = new Error('log source failed');
    const wrapper = withHeartbeat(
      (async function* () {
        yield 'partial';
        throw failure;
      })(),
    );
    wrapper.resume();
    await expect(finished(wrapper)).rejects.toBe(failure);
  });

  it('a source that closes without ending destroys the wrapper with a premature-close error', async () => {
    const source = new PassThrough();
    const wrapper = withHeartbeat(source);
    wrapper.resume();
    source.destroy();
    await expect(finished(wrapper)).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('destroying the wrapper destroys a Node source', async () => {
    const source = new PassThrough();
    const wrapper = withHeartbeat(source);
    wrapper.resume();
    wrapper.destroy();
    await nextTick();
    expect(source.destroyed).toBe(true);
  });

  it('destroying the wrapper returns an async generator at its next yield (its finally runs)', async () => {
    let produced = 0;
    let cleanedUp = false;
    const wrapper = withHeartbeat(
      (async function* () {
        try {
          for (;;) {
            yield `line ${produced++}\n`;
            await new Promise((resolve) => setImmediate(resolve));
          }
        } finally {
          cleanedUp = true;
        }
      })(),
    );
    await new Promise((resolve) => wrapper.once('data', resolve));
    wrapper.destroy();
    await finished(wrapper).catch(() => {});
    for (let i = 0; i < 20 && !cleanedUp; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(cleanedUp).toBe(true);
    const producedAtCleanup = produced;
    await new Promise((resolve) => setImmediate(resolve));
    expect(produced).toBe(producedAtCleanup);
  });

  it('destroying the wrapper cancels a WHATWG ReadableStream', async () => {
    let cancelled: unknown = 'not cancelled';
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('first'));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const wrapper = withHeartbeat(source);
    await new Promise((resolve) => wrapper.once('data', resolve));
    wrapper.destroy();
    for (let i = 0; i < 10 && cancelled === 'not cancelled'; i++) await nextTick();
    expect(cancelled).not.toBe('not cancelled');
  });

  it('leaves no timer and emits finished() once when the source ends', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const source = Readable.from(['a', 'b'], { objectMode: false });
    const wrapper = withHeartbeat(source, { idleLimitMs: 1_000 });
    let closes = 0;
    wrapper.on('close', () => closes++);
    wrapper.resume();
    await finished(wrapper);
    await nextTick();
    expect(closes).toBe(1);
    expect(process.getActiveResourcesInfo().filter((name) => name === 'Timeout')).toHaveLength(timersBefore);
  });
});
