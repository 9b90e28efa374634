import { describe, expect, it, vi } from 'vitest';
import { ABORT_CHECK_MS } from '../../../src/oss/append/appender.js';
import { AppendConflictError, LogCompleteError } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { fakeOss, type FakeOssOptions } from '../../support/fake-oss.js';
import { KEY, runOn, runUntil, startRun } from './helpers.js';

useFakeClock();

const STATE = 'heartbeat-readable:state';
const complete = (length: number, crc64: string): Record<string, string> => ({
  [STATE]: 'complete',
  'heartbeat-readable:length': String(length),
  'heartbeat-readable:crc64': crc64,
});

/** A fake OSS holding `existing` as an appendable object with `tags`. */
function fakeWith(existing: string, tags: Record<string, string>, options: FakeOssOptions = {}) {
  const fake = fakeOss({ latencyMs: 0, ...options });
  fake.write(KEY, existing);
  fake.objects.get(KEY)!.tags = tags;
  return fake;
}

describe('appendStream marks the log complete, for followers (fake clock, fake OSS)', () => {
  it('tags the log with its length and CRC-64 once every byte is stored, in one request, keeping the tags it was created with', async () => {
    const run = await startRun({ headers: { 'x-oss-meta-build': '42', 'x-oss-tagging': 'team=ci&stage=build' } });
    run.source.push('line\n');
    run.source.push(null);
    await runUntil(run.done);
    const { crc64 } = run.fake.objects.get(KEY)!;
    expect(run.settlement.value).toMatchObject({ complete: true, incompleteReason: undefined, position: 5, crc64 });
    expect(run.fake.objects.get(KEY)!.tags).toEqual({ team: 'ci', stage: 'build', ...complete(5, crc64) });
    expect(run.fake.requests.map(({ method }) => method)).toEqual(['head', 'append', 'put-tagging']);
  });

  it('sends no tagging request with markComplete: false', async () => {
    const run = await startRun({ markComplete: false });
    run.source.push('line\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.value).toMatchObject({ complete: false, incompleteReason: 'markComplete is false' });
    expect(run.appendsAndHeads()).toHaveLength(run.fake.requests.length);
  });

  it('still resolves when the marker is refused (no tagging permission), with complete: false and the reason', async () => {
    const run = await startRun({}, { denyTagging: true });
    run.source.push('line\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.value).toMatchObject({
      bytes: 5,
      complete: false,
      incompleteReason: 'AccessDeniedError AccessDenied HTTP 403',
    });
    expect(run.fake.body(KEY)?.toString()).toBe('line\n');
  });

  it('retries a marker request that failed for a reason retrying fixes', async () => {
    const run = await startRun({ retry: { minDelayMs: 10, maxDelayMs: 10 } });
    run.fake.failNext('put-tagging', 503);
    run.source.push('line\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.value).toMatchObject({ complete: true, retries: 1 });
  });

  it('creates no object and marks nothing for an empty source', async () => {
    const run = await startRun();
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.value).toMatchObject({ complete: false, incompleteReason: 'there is no object: the source was empty' });
    expect(run.fake.requests.map(({ method }) => method)).toEqual(['head']);
  });

  it('marks the log incomplete when it gives up, so followers stop instead of waiting', async () => {
    const run = await startRun({ retry: { attempts: 2, minDelayMs: 10, maxDelayMs: 10 } });
    run.source.push('line 1\n');
    await vi.advanceTimersByTimeAsync(0);
    run.fake.failNext('append', 503, 503);
    run.source.push('line 2\n');
    await runUntil(run.done);
    expect(run.settlement.error).toMatchObject({ name: 'AppendGaveUpError' });
    expect(run.fake.objects.get(KEY)!.tags).toEqual({ [STATE]: 'incomplete' });
  });

  it("settles within ABORT_CHECK_MS of an abort though the incomplete marker's request hangs too", async () => {
    const controller = new AbortController();
    const run = await startRun({ signal: controller.signal });
    run.source.push('line 1\n');
    await vi.advanceTimersByTimeAsync(0);
    run.fake.failNext('append', 'hang');
    run.fake.failNext('get-tagging', 'hang');
    run.source.push('line 2\n');
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(ABORT_CHECK_MS);
    // The marker's GET hung: the bound ended it, and the call with it.
    expect(run.settlement.error).toMatchObject({ name: 'AbortError', storedBytes: 7 });
  });

  it('does not mark a log another writer wrote to', async () => {
    const run = await startRun({ retry: { minDelayMs: 10, maxDelayMs: 10 } });
    run.source.push('mine\n');
    await vi.advanceTimersByTimeAsync(0);
    run.fake.write(KEY, 'theirs\n');
    run.source.push('mine again\n');
    await runUntil(run.done);
    expect(run.settlement.error).toBeInstanceOf(AppendConflictError);
    expect(run.fake.objects.get(KEY)!.tags).toEqual({});
  });
});

describe('appendStream resume and the completion marker (fake clock, fake OSS)', () => {
  it('refuses to resume a log marked complete, naming reopen, and appends nothing', async () => {
    const fake = fakeWith('run 1\n', complete(6, '1'));
    const run = runOn(fake, { resume: true });
    run.source.push('run 2\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.error).toBeInstanceOf(LogCompleteError);
    expect(run.settlement.error).toMatchObject({ code: 'ERR_LOG_COMPLETE', markedBytes: 6, position: 6, storedBytes: 0 });
    expect((run.settlement.error as Error).message).toMatch(
      new RegExp(`^${KEY} was marked complete by the run that wrote it \\(6 bytes\\): .*Pass resume: \\{ reopen: true \\}`),
    );
    expect(fake.body(KEY)?.toString()).toBe('run 1\n');
    // Refused before anything was written: the marker stays.
    expect(fake.objects.get(KEY)!.tags).toEqual(complete(6, '1'));
  });

  it.each([
    ['marked complete, with reopen', complete(6, '1'), { reopen: true }],
    ['marked incomplete (a failed run)', { [STATE]: 'incomplete' }, {}],
  ])('continues a log %s: the marker is "open" before the first append, then complete', async (_case, tags, resume) => {
    const fake = fakeWith('run 1\n', { team: 'ci', ...tags });
    const run = runOn(fake, { resume });
    const markers: (string | undefined)[] = [];
    const append = fake.client.append.bind(fake.client);
    fake.client.append = ((...args: Parameters<typeof append>) => {
      markers.push(fake.objects.get(KEY)!.tags[STATE]);
      return append(...args);
    }) as typeof append;
    run.source.push('run 2\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(markers).toEqual(['open']);
    const { crc64 } = fake.objects.get(KEY)!;
    expect(fake.objects.get(KEY)!.tags).toEqual({ team: 'ci', ...complete(12, crc64) });
    expect(run.settlement.value).toMatchObject({ complete: true, position: 12 });
  });
});
