import type OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import { AppendProgress } from '../../src/cli/append-progress.js';
import { useFakeClock } from '../helpers.js';

/** A client whose answers the test gives: each call waits for `answer` or `fail`. */
function scriptedClient() {
  const calls: Array<{ method: 'append' | 'head'; options: Record<string, unknown>; settle: (length?: number) => void; fail: (status: number) => void }> = [];
  const call = (method: 'append' | 'head', options: Record<string, unknown> = {}) =>
    new Promise((resolve, reject) => {
      calls.push({
        method,
        options,
        settle: (length) => resolve({ res: { headers: length === undefined ? {} : { 'x-oss-next-append-position': String(length) } } }),
        fail: (status) => reject(Object.assign(new Error(`HTTP ${status}`), { status })),
      });
    });
  const client = {
    append: (_name: string, _body: Buffer, options: Record<string, unknown>) => call('append', options),
    head: () => call('head'),
  } as unknown as OSS;
  return { client, calls };
}

describe('AppendProgress follows appendStream through the answers to its requests', () => {
  useFakeClock();

  it('counts stored bytes from the lengths OSS answers, from where this run started', async () => {
    const progress = new AppendProgress();
    const { client, calls } = scriptedClient();
    const observed = progress.observe(client, 'text/plain; charset=utf-8');

    const head = observed.head('k');
    calls[0]!.settle(100); // resuming an object of 100 bytes
    await head;
    const append = observed.append('k', Buffer.from('0123456789'), { position: '100' });
    calls[1]!.settle(110);
    await append;
    expect(progress).toMatchObject({ storedBytes: 10, appends: 1, retries: 0 });
    expect(calls[1]!.options).toEqual({ position: '100', mime: 'text/plain; charset=utf-8' });
  });

  it('a failed append counts a retry; the HEAD that finds it landed counts the append', async () => {
    const progress = new AppendProgress();
    const { client, calls } = scriptedClient();
    const observed = progress.observe(client, 'text/plain');

    const head = observed.head('k').catch(() => {});
    calls[0]!.fail(404); // a new object: not a failure
    await head;
    const lost = observed.append('k', Buffer.from('abc'), { position: '0' }).catch(() => {});
    calls[1]!.fail(-1);
    await lost;
    expect(progress).toMatchObject({ storedBytes: 0, appends: 0, retries: 1 });
    const check = observed.head('k');
    calls[2]!.settle(3);
    await check;
    expect(progress).toMatchObject({ storedBytes: 3, appends: 1, retries: 1 });
  });

  it('says how long the oldest byte read and not yet stored has waited', async () => {
    const progress = new AppendProgress();
    const { client, calls } = scriptedClient();
    const observed = progress.observe(client, 'text/plain');
    const meter = progress.meter();
    meter.resume();
    const head = observed.head('k').catch(() => {});
    calls[0]!.fail(404);
    await head;

    expect(progress.batchAgeMs()).toBeUndefined();
    meter.write('line 1\n');
    await vi.advanceTimersByTimeAsync(700);
    meter.write('line 2\n');
    await vi.advanceTimersByTimeAsync(300);
    expect(progress.batchAgeMs()).toBe(1_000);
    const first = observed.append('k', Buffer.from('line 1\n'), { position: '0' });
    calls[1]!.settle(7);
    await first;
    // line 1 is stored: the oldest waiting byte is line 2's.
    expect(progress.batchAgeMs()).toBe(300);
    const second = observed.append('k', Buffer.from('line 2\n'), { position: '7' });
    calls[2]!.settle(14);
    await second;
    expect(progress.batchAgeMs()).toBeUndefined();
  });
});
