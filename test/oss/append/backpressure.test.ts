import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { appendStream } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { observeSettlement } from '../../support/settlement.js';
import { fakeOss } from '../../support/fake-oss.js';
import { runUntil } from './helpers.js';

useFakeClock();

const KiB = 1024;
const CHUNK = 64 * KiB;

/** A source as fast as its reader: 64 KiB per chunk until push() says stop; counts what it produced. */
function fastSource(total: number): { source: Readable; input: Buffer; produced: () => number } {
  const input = Buffer.alloc(total);
  for (let i = 0; i < total; i++) input[i] = (i * 7 + (i >> 12)) & 0xff;
  let offset = 0;
  const source = new Readable({
    read() {
      while (offset < total) {
        const chunk = input.subarray(offset, offset + CHUNK);
        offset += chunk.length;
        if (!this.push(chunk)) return;
      }
      this.push(null);
    },
  });
  return { source, input, produced: () => offset };
}

describe('appendStream memory bound (fake clock, fake OSS)', () => {
  it('pauses a fast source once maxBufferedBytes are held while OSS is unreachable, and stores it all once OSS is back', async () => {
    const fake = fakeOss({ latencyMs: 5 });
    const maxBufferedBytes = 1024 * KiB;
    const { source, input, produced } = fastSource(8 * maxBufferedBytes);
    const { settlement, done } = observeSettlement(
      appendStream(fake.client, 'fast.bin', source, {
        maxAppendBytes: 256 * KiB,
        maxBufferedBytes,
        retry: { attempts: Infinity, maxElapsedMs: Infinity, minDelayMs: 100, maxDelayMs: 2000 },
      }),
    );
    // The first HEAD finds no object; then OSS goes away for ten minutes.
    await vi.advanceTimersByTimeAsync(5);
    fake.offlineFor(10 * 60_000);
    await vi.advanceTimersByTimeAsync(5 * 60_000);

    // What was read and not stored: the bound, plus the chunk that crossed it and what the source's own buffer holds.
    const held = produced() - (fake.body('fast.bin')?.length ?? 0);
    expect(held).toBeGreaterThanOrEqual(maxBufferedBytes);
    expect(held).toBeLessThanOrEqual(maxBufferedBytes + CHUNK + source.readableHighWaterMark + CHUNK);
    expect(source.isPaused()).toBe(true);
    expect(settlement.settled).toBe(false);

    await runUntil(done);
    expect(settlement.error).toBeUndefined();
    expect(fake.body('fast.bin')?.equals(input)).toBe(true);
    expect(settlement.value).toMatchObject({ bytes: input.length, appends: input.length / (256 * KiB) });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reads ahead up to maxBufferedBytes while one append is in flight, so a slow OSS does not stall the source early', async () => {
    const fake = fakeOss({ latencyMs: 1000 });
    const { source, produced } = fastSource(4 * 1024 * KiB);
    const { done } = observeSettlement(
      appendStream(fake.client, 'slow.bin', source, { maxAppendBytes: 128 * KiB, maxBufferedBytes: 512 * KiB }),
    );
    await vi.advanceTimersByTimeAsync(1000 + 500);
    // One append in flight and three more batches waiting: the source is paused at the bound.
    expect(fake.requests.filter((request) => request.method === 'append')).toHaveLength(1);
    expect(produced()).toBeGreaterThanOrEqual(512 * KiB);
    expect(produced()).toBeLessThanOrEqual(512 * KiB + CHUNK + source.readableHighWaterMark + CHUNK);
    await runUntil(done);
    expect(fake.body('slow.bin')).toHaveLength(4 * 1024 * KiB);
  });
});
