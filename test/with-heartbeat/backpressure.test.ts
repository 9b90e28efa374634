import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { withHeartbeat } from '../../src/index.js';
import { nextTick } from '../support/fake-clock.js';

/** A source that produces `total` chunks on demand and counts how many it was asked for. */
function counted(total: number): Readable & { produced: () => number } {
  let produced = 0;
  const source = new Readable({
    highWaterMark: 4,
    read() {
      this.push(produced < total ? Buffer.from(`chunk ${produced++}\n`) : null);
    },
  });
  return Object.assign(source, { produced: () => produced });
}

describe('withHeartbeat honours backpressure', () => {
  it('pauses the source while the wrapper buffer is full and resumes it on read', async () => {
    const source = counted(10_000);
    const wrapper = withHeartbeat(source, { highWaterMark: 64 });
    wrapper.read(0);
    wrapper.read(0);
    await nextTick();
    wrapper.resume();
    wrapper.pause();
    for (let i = 0; i < 20; i++) await nextTick();

    expect(source.isPaused()).toBe(true);
    const producedWhilePaused = source.produced();
    expect(producedWhilePaused).toBeLessThan(100);
    for (let i = 0; i < 20; i++) await nextTick();
    expect(source.produced()).toBe(producedWhilePaused);

    while (wrapper.read() !== null);
    for (let i = 0; i < 20; i++) await nextTick();
    expect(source.produced()).toBeGreaterThan(producedWhilePaused);
    wrapper.destroy();
  });

  it('delivers everything in order through a slow consumer', async () => {
    const source = counted(2_000);
    const wrapper = withHeartbeat(source, { highWaterMark: 16 });
    let received = '';
    for await (const chunk of wrapper) {
      received += String(chunk);
      if (received.length % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const expected = Array.from({ length: 2_000 }, (_, i) => `chunk ${i}\n`).join('');
    expect(received).toBe(expected);
  });
});
