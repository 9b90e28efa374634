import { createHash } from 'node:crypto';
import type OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import { AppendConflictError, ObjectNotAppendableError } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import type { Fault } from '../../support/fake-oss.js';
import { KEY, runUntil, startRun } from './helpers.js';

useFakeClock();

const RETRY = { minDelayMs: 100, maxDelayMs: 1000 };
const LINES = ['one\n', 'two\n', 'three\n'];

/** Pushes each line and lets it flush, `fault` meeting the second line's append. */
async function appendLinesWith(fault: Fault, fakeOptions = {}) {
  const run = await startRun({ retry: RETRY, requestTimeoutMs: 5000 }, fakeOptions);
  for (const [index, line] of LINES.entries()) {
    if (index === 1) run.fake.failNext('append', fault);
    run.source.push(line);
    await vi.advanceTimersByTimeAsync(1000);
  }
  run.source.push(null);
  await runUntil(run.done);
  return run;
}

describe('appendStream exactly once (fake clock, fake OSS)', () => {
  it.each<[Fault, 'landed' | 'resent']>([
    ['reset-before-apply', 'resent'],
    ['reset-after-apply', 'landed'],
    ['drop-response', 'landed'],
    [500, 'resent'],
    [503, 'resent'],
    ['applied-then-500', 'landed'],
  ])('after %s, learns from the length whether the append %s, and stores every byte once', async (fault, outcome) => {
    const run = await appendLinesWith(fault);
    expect(run.settlement.error).toBeUndefined();
    expect(run.fake.body(KEY)?.toString()).toBe(LINES.join(''));
    expect(run.settlement.value).toMatchObject({ bytes: 14, appends: 3, retries: 1, position: 14 });
    const positions = run.appends().map((request) => request.position);
    expect(positions).toEqual(outcome === 'landed' ? [0, 4, 8] : [0, 4, 4, 8]);
  });

  it('waits for a lost response no longer than requestTimeoutMs', async () => {
    const run = await appendLinesWith('drop-response');
    const [, lost, check] = run.fake.requests.slice(1);
    expect(lost).toMatchObject({ method: 'append', fault: 'drop-response' });
    expect(check!.method).toBe('head');
    expect(check!.at - lost!.at).toBeGreaterThanOrEqual(5000);
    expect(check!.at - lost!.at).toBeLessThanOrEqual(5000 + 2 * RETRY.minDelayMs);
  });

  it('recognises an append that ali-oss retried on its own (retryMax) and that came back 409 though the first landed', async () => {
    const run = await startRun({ retry: RETRY });
    // ali-oss's retryMax resends a failed non-stream request itself, with the same position.
    const append = run.fake.client.append.bind(run.fake.client);
    run.fake.client.append = ((...args: Parameters<OSS['append']>) =>
      append(...args).catch((error: { status?: number }) => {
        if (error.status === -1) return append(...args);
        throw error;
      })) as OSS['append'];
    run.fake.failNext('append', 'reset-after-apply');
    run.source.push('once\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.fake.requests.map((request) => request.fault ?? request.method)).toEqual([
      'head',
      'reset-after-apply',
      'append',
      'head',
      'put-tagging',
    ]);
    expect(run.fake.body(KEY)?.toString()).toBe('once\n');
    expect(run.settlement.value).toMatchObject({ bytes: 5, appends: 1, retries: 1 });
  });

  it('rejects when another writer appended, naming both lengths and what this call stored', async () => {
    const run = await startRun({ retry: RETRY });
    run.source.push('mine\n');
    await vi.advanceTimersByTimeAsync(1000);
    run.fake.write(KEY, 'theirs\n');
    run.source.push('mine again\n');
    await runUntil(run.done);
    const error = run.settlement.error as AppendConflictError;
    expect(error).toBeInstanceOf(AppendConflictError);
    expect(error).toMatchObject({
      code: 'ERR_APPEND_CONFLICT',
      expected: { length: 16 },
      actual: { length: 12 },
      storedBytes: 5,
      position: 12,
      unconfirmedBytes: 0,
      unsentBytes: 11,
    });
    expect(error.message).toBe(
      `Another writer changed ${KEY}: this call expected it to be 16 bytes long, but OSS reports 12. ` +
        'Stored: 5 bytes from this call, the object is 12 bytes long; 11 bytes taken from the source are not stored.',
    );
    expect(run.fake.body(KEY)?.toString()).toBe('mine\ntheirs\n');
    expect(run.source.destroyed).toBe(true);
  });

  it.each([
    ['on the answer to the append', undefined],
    ['on the HEAD after a lost answer', 'reset-after-apply' as const],
  ])('rejects an append whose CRC-64 OSS reports differently (%s)', async (_where, fault) => {
    const run = await startRun({ retry: RETRY }, { corrupt: true });
    if (fault) run.fake.failNext('append', fault);
    run.source.push('line\n');
    await runUntil(run.done);
    const error = run.settlement.error as AppendConflictError;
    expect(error).toBeInstanceOf(AppendConflictError);
    expect(error.expected.length).toBe(5);
    expect(error.actual).toEqual({ length: 5, crc64: run.fake.objects.get(KEY)!.crc64 });
    expect(error.expected.crc64).not.toBe(error.actual.crc64);
    expect(error.message).toMatch(/^The content of logs\/build-42\.log is not what this call appended: its CRC-64 is \d+, expected \d+\. /);
    expect(error.storedBytes).toBe(0);
  });

  it("sends each batch's MD5 as Content-MD5, so OSS refuses a body damaged on the way, and sends it again", async () => {
    const run = await startRun({ retry: RETRY });
    run.fake.failNext('append', 'damaged-in-transit');
    run.source.push('line\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.fake.body(KEY)?.toString()).toBe('line\n');
    expect(run.appends()).toEqual([
      expect.objectContaining({ fault: 'damaged-in-transit', md5: createHash('md5').update('line\n').digest('base64') }),
      expect.objectContaining({ fault: undefined, position: 0 }),
    ]);
  });



  it('rejects with ObjectNotAppendableError when the object is replaced by a Normal one mid-stream', async () => {
    const run = await startRun();
    run.source.push('line\n');
    await vi.advanceTimersByTimeAsync(1000);
    run.fake.put(KEY, 'overwritten');
    run.source.push('next\n');
    await runUntil(run.done);
    expect(run.settlement.error).toBeInstanceOf(ObjectNotAppendableError);
    expect(run.settlement.error).toMatchObject({ code: 'ERR_OBJECT_NOT_APPENDABLE', storedBytes: 5, unsentBytes: 5 });
    expect((run.settlement.error as Error).message).toMatch(
      /^logs\/build-42\.log is not an appendable object: OSS appends only to objects that AppendObject created\. /,
    );
  });
});
