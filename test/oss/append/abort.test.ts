import { describe, expect, it, vi } from 'vitest';
import { ABORT_CHECK_MS } from '../../../src/oss/append/appender.js';
import { AppendAbortedError, appendStream } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { fakeOss } from '../../support/fake-oss.js';
import { KEY, runOn, runUntil, startRun } from './helpers.js';
import { logSource } from '../../support/sources.js';

useFakeClock();

const reason = new Error('build cancelled');

describe('appendStream abort (fake clock, fake OSS)', () => {
  it('rejects at once while the source is silent, reporting what is stored, and leaves nothing running', async () => {
    const controller = new AbortController();
    const run = await startRun({ signal: controller.signal });
    run.source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(1000);
    run.source.push('step 2\n');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    const error = run.settlement.error as AppendAbortedError;
    expect(error).toBeInstanceOf(AppendAbortedError);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: reason, storedBytes: 7, unsentBytes: 7 });
    expect(error.message).toBe(
      `Appending to ${KEY} was aborted; what was appended stays in the object. ` +
        'Stored: 7 bytes from this call, the object is 7 bytes long; 7 bytes taken from the source are not stored.',
    );
    expect(run.fake.body(KEY)?.toString()).toBe('step 1\n');
    expect(run.appends()).toHaveLength(1);
    expect(run.source.destroyed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    // Not applied, never answered: the HEAD shows the old length, which a real OSS could still change.
    ['hang', { storedBytes: 0, unconfirmedBytes: 7, unsentBytes: 7, position: 0 }],
    // Applied, its answer lost: the HEAD shows it landed.
    ['drop-response', { storedBytes: 7, unconfirmedBytes: 0, unsentBytes: 7, position: 7 }],
  ] as const)('cancels an append in flight (%s) at once, and one HEAD learns only whether it landed', async (fault, account) => {
    const controller = new AbortController();
    const run = await startRun({ signal: controller.signal });
    run.fake.failNext('append', fault);
    run.source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(1000 + 100);
    run.source.push('step 2\n');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(run.settlement.error).toMatchObject({ name: 'AbortError', ...account });
    expect(run.appendsAndHeads()).toEqual(['head', 'append', 'head']);
    // Side by side with the check: the log is marked incomplete where there is one, so followers stop.
    expect(run.fake.objects.get(KEY)?.tags).toEqual(fault === 'hang' ? undefined : { 'heartbeat-readable:state': 'incomplete' });
    if (fault === 'hang') {
      expect((run.settlement.error as Error).message).toContain(
        'the last append of 7 bytes may or may not have landed (the object is 0 or 7 bytes long)',
      );
    }
  });

  it.each(['head', 'append'] as const)('settles within ABORT_CHECK_MS of the abort when OSS never answers (%s)', async (method) => {
    const controller = new AbortController();
    const fake = fakeOss({ latencyMs: 0 });
    // The request hangs until its timeout, and so does the HEAD after the abort.
    fake.failNext(method, 'hang');
    const run = runOn(fake, { signal: controller.signal });
    run.source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(run.settlement.settled).toBe(false);
    fake.failNext('head', 'hang');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(ABORT_CHECK_MS);
    expect(run.settlement.error).toMatchObject({ name: 'AbortError', storedBytes: 0 });
    expect(run.appendsAndHeads()).toEqual(method === 'head' ? ['head'] : ['head', 'append', 'head']);
  });

  it.each([
    ['reset-after-apply', 'landed', { storedBytes: 7, unsentBytes: 0 }],
    ['reset-before-apply', 'did not land', { storedBytes: 0, unsentBytes: 7 }],
  ] as const)(
    'after an append of unknown outcome (%s), learns with one HEAD that it %s, and sends it no more',
    async (fault, _outcome, account) => {
      const controller = new AbortController();
      const run = await startRun({ signal: controller.signal, retry: { minDelayMs: 1000 } });
      run.fake.failNext('append', fault);
      run.source.push('step 1\n');
      // The line goes at once and fails; the retry waits a second.
      await vi.advanceTimersByTimeAsync(10);
      controller.abort(reason);
      await runUntil(run.done);
      expect(run.settlement.error).toMatchObject({ name: 'AbortError', unconfirmedBytes: 0, ...account });
      expect(run.appendsAndHeads()).toEqual(['head', 'append', 'head']);
    },
  );

  it('says the last append may or may not have landed when even that HEAD fails', async () => {
    const controller = new AbortController();
    const run = await startRun({ signal: controller.signal, retry: { minDelayMs: 1000 } });
    run.fake.failNext('append', 'reset-after-apply');
    run.fake.failNext('head', 503);
    run.source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(reason);
    await runUntil(run.done);
    expect(run.settlement.error).toMatchObject({ name: 'AbortError', storedBytes: 0, unconfirmedBytes: 7, unsentBytes: 0 });
    expect((run.settlement.error as Error).message).toContain(
      'the last append of 7 bytes may or may not have landed (the object is 0 or 7 bytes long)',
    );
  });

  it('rejects before any request when the signal has already aborted', async () => {
    const fake = fakeOss();
    const source = logSource();
    const result = appendStream(fake.client, KEY, source, { signal: AbortSignal.abort(reason) });
    await expect(result).rejects.toMatchObject({ name: 'AbortError', cause: reason, storedBytes: 0 });
    expect(fake.requests).toEqual([]);
    expect(source.destroyed).toBe(true);
  });
});
