import type OSS from 'ali-oss';
import { crc64 } from 'crc64-ecma182.js';
import { describe, expect, it, vi } from 'vitest';
import {
  appendStream,
  AppendConflictError,
  MAX_APPENDABLE_OBJECT_BYTES,
  ObjectExistsError,
  ObjectNotAppendableError,
  ObjectTooLargeError,
  ResumeMismatchError,
} from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { observeSettlement } from '../../support/settlement.js';
import { fakeOss, ossAnswer } from '../../support/fake-oss.js';
import { KEY, runOn, runUntil, startRun } from './helpers.js';
import { logSource } from '../../support/sources.js';

useFakeClock();

describe('appendStream starting point (fake clock, fake OSS)', () => {
  it('refuses an existing object without resume, destroys the source and leaves the object as it was', async () => {
    const fake = fakeOss({ latencyMs: 10 });
    fake.write(KEY, 'yesterday\n');
    const source = logSource();
    source.push('today\n');
    const result = appendStream(fake.client, KEY, source);
    await vi.advanceTimersByTimeAsync(10);
    await expect(result).rejects.toBeInstanceOf(ObjectExistsError);
    await expect(result).rejects.toMatchObject({
      code: 'ERR_OBJECT_EXISTS',
      objectType: 'Appendable',
      existingBytes: 10,
      position: 10,
      storedBytes: 0,
      unsentBytes: 6,
      message:
        `${KEY} already exists (Appendable, 10 bytes) and appendStream does not overwrite: pass resume: true to ` +
        'continue an appendable object, or choose a new name. Stored: 0 bytes from this call, the object is 10 bytes long; ' +
        '6 bytes taken from the source are not stored.',
    });
    expect(fake.requests.map((request) => request.method)).toEqual(['head']);
    expect(fake.body(KEY)?.toString()).toBe('yesterday\n');
    expect(source.destroyed).toBe(true);
  });

  it('fails without an unhandled rejection when the caller awaits only after feeding the source', async () => {
    // Real timers: Node reports unhandled rejections between real turns of the event loop.
    vi.useRealTimers();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const fake = fakeOss({ latencyMs: 0 });
      fake.write(KEY, 'yesterday\n');
      const source = logSource();
      const result = appendStream(fake.client, KEY, source);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      await expect(result).rejects.toBeInstanceOf(ObjectExistsError);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('continues an appendable object at its length with resume: true, chaining its CRC-64', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    fake.write(KEY, 'run 1 output\n');
    const source = logSource();
    const result = appendStream(fake.client, KEY, source, { resume: true });
    source.push('run 2 output\n');
    source.push(null);
    await vi.advanceTimersByTimeAsync(0);
    await expect(result).resolves.toEqual({
      name: KEY,
      bytes: 13,
      appends: 1,
      retries: 0,
      position: 26,
      crc64: fake.objects.get(KEY)!.crc64,
      complete: true,
      incompleteReason: undefined,
    });
    expect(fake.body(KEY)?.toString()).toBe('run 1 output\nrun 2 output\n');
  });

  it('starts a new object with resume: true when there is none', async () => {
    const run = await startRun({ resume: true });
    run.source.push('first run\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.value).toMatchObject({ bytes: 10, position: 10 });
  });

  it('refuses a Normal object with resume: true', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    fake.put(KEY, 'uploaded with PutObject');
    const result = appendStream(fake.client, KEY, logSource(), { resume: true });
    await expect(result).rejects.toBeInstanceOf(ObjectNotAppendableError);
    await expect(result).rejects.toMatchObject({
      code: 'ERR_OBJECT_NOT_APPENDABLE',
      objectType: 'Normal',
      message: expect.stringMatching(/^logs\/build-42\.log is a Normal object: OSS appends only to objects that AppendObject created\. /),
    });
    expect(fake.body(KEY)?.toString()).toBe('uploaded with PutObject');
  });

  it('never overwrites an object another writer creates between the check and the first append', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    const head = fake.client.head.bind(fake.client);
    fake.client.head = (async (...args: Parameters<OSS['head']>) => {
      try {
        return await head(...args);
      } finally {
        if (!fake.objects.has(KEY)) fake.write(KEY, 'the other runner\n');
      }
    });
    const { source, settlement, done } = runOn(fake, { retry: { minDelayMs: 10 } });
    source.push('this runner\n');
    await runUntil(done);
    expect(settlement.error).toBeInstanceOf(AppendConflictError);
    expect(settlement.error).toMatchObject({ expected: { length: 12 }, actual: { length: 17 }, storedBytes: 0 });
    expect(fake.body(KEY)?.toString()).toBe('the other runner\n');
  });

  it('retries the first HEAD like any request whose answer did not come', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    fake.failNext('head', 503, 'reset-before-apply');
    const { source, settlement, done } = runOn(fake, { retry: { minDelayMs: 10 } });
    source.push('line\n');
    source.push(null);
    await runUntil(done);
    expect(settlement.value).toMatchObject({ bytes: 5, retries: 2 });
  });

  it('stops before the object would grow past 5 GiB, saying what is stored', async () => {
    // A HEAD that reports an object 3 bytes short of the limit (CRC-64 0); appends land at any position.
    const appended: number[] = [];
    const client = {
      head: async () => ({
        status: 200,
        res: ossAnswer({
          'x-oss-object-type': 'Appendable',
          'x-oss-next-append-position': String(MAX_APPENDABLE_OBJECT_BYTES - 3),
          'x-oss-hash-crc64ecma': '0',
        }),
      }),
      append: async (_name: string, bytes: Buffer, { position }: { position: string }) => {
        appended.push(bytes.length);
        const next = String(Number(position) + bytes.length);
        const res = ossAnswer({ 'x-oss-next-append-position': next, 'x-oss-hash-crc64ecma': crc64(bytes, '0') });
        return { res, nextAppendPosition: next };
      },
    } as unknown as OSS;
    const source = logSource();
    const { settlement, done } = observeSettlement(appendStream(client, KEY, source, { resume: true, markComplete: false }));
    source.push('abc');
    await vi.advanceTimersByTimeAsync(1000);
    source.push('d');
    await runUntil(done);
    expect(appended).toEqual([3]);
    expect(settlement.error).toBeInstanceOf(ObjectTooLargeError);
    expect(settlement.error).toMatchObject({
      code: 'ERR_OBJECT_TOO_LARGE',
      limitBytes: 5 * 2 ** 30,
      storedBytes: 3,
      position: 5 * 2 ** 30,
      unsentBytes: 1,
      message:
        `Appending 1 more bytes would take ${KEY} past 5368709120 bytes, OSS's limit for an appendable object: ` +
        'continue in a new object. Stored: 3 bytes from this call, the object is 5368709120 bytes long; ' +
        '1 bytes taken from the source are not stored.',
    });
    expect(source.destroyed).toBe(true);
  });
});

describe('appendStream resume: { at } (fake clock, fake OSS)', () => {
  /** Runs appendStream of one line with `resume` into a fake holding `existing`, and returns its settlement. */
  async function resumeInto(existing: string | undefined, resume: { at: number }) {
    const fake = fakeOss({ latencyMs: 0 });
    if (existing !== undefined) fake.write(KEY, existing);
    const run = runOn(fake, { resume });
    run.source.push('run 2\n');
    run.source.push(null);
    await runUntil(run.done);
    return run;
  }

  it('continues the object when it is as long as resume.at says', async () => {
    const run = await resumeInto('run 1\n', { at: 6 });
    expect(run.settlement.value).toMatchObject({ bytes: 6, position: 12 });
    expect(run.fake.body(KEY)?.toString()).toBe('run 1\nrun 2\n');
  });

  it('starts a new object when there is none and resume.at is 0', async () => {
    const run = await resumeInto(undefined, { at: 0 });
    expect(run.fake.body(KEY)?.toString()).toBe('run 2\n');
  });

  it.each([
    ['longer (a re-piped whole log would be doubled)', 'run 1\nrun 2\n', 6, 12],
    ['shorter (the log would have a gap)', 'run', 6, 3],
  ])('refuses an object %s, naming both lengths, and appends nothing', async (_case, existing, at, length) => {
    const run = await resumeInto(existing, { at });
    expect(run.settlement.error).toBeInstanceOf(ResumeMismatchError);
    expect(run.settlement.error).toMatchObject({
      code: 'ERR_RESUME_MISMATCH',
      expectedBytes: at,
      actualBytes: length,
      position: length,
      storedBytes: 0,
    });
    expect((run.settlement.error as Error).message).toMatch(
      new RegExp(`^${KEY} is ${length} bytes long, but resume\\.at says this call continues it at ${at}: nothing was appended`),
    );
    expect(run.appends()).toEqual([]);
    expect(run.fake.body(KEY)?.toString()).toBe(existing);
  });

  it('refuses resume.at past 0 when there is no object', async () => {
    const run = await resumeInto(undefined, { at: 6 });
    expect(run.settlement.error).toMatchObject({ code: 'ERR_RESUME_MISMATCH', expectedBytes: 6, actualBytes: undefined });
    expect((run.settlement.error as Error).message).toMatch(new RegExp(`^${KEY} does not exist, but resume\\.at says`));
    expect(run.fake.objects.has(KEY)).toBe(false);
  });
});
