import { describe, expect, it, vi } from 'vitest';
import { explainUploadError, ProgressCallbackError, type AppendProgress } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { fakeOss } from '../../support/fake-oss.js';
import { KEY, runOn, runUntil, startRun } from './helpers.js';

useFakeClock();

const RETRY = { minDelayMs: 100, maxDelayMs: 100 };
const boom = new Error('status display crashed\nat render');

/** onProgress for a test: every report, in order. */
function recorder(): { reports: AppendProgress[]; onProgress: (progress: AppendProgress) => void } {
  const reports: AppendProgress[] = [];
  return { reports, onProgress: (progress) => void reports.push(progress) };
}

describe('appendStream onProgress (fake clock, fake OSS)', () => {
  it('reports when bytes start waiting and after each append lands, with when the oldest unstored byte came', async () => {
    const { reports, onProgress } = recorder();
    const run = await startRun({ onProgress });
    const start = Date.now();
    run.source.push('step 1\n');
    // The first line after a silence goes at once.
    await vi.advanceTimersByTimeAsync(200);
    run.source.push('step 2\n');
    await vi.advanceTimersByTimeAsync(300);
    // Bytes were waiting already: nothing new to report.
    run.source.push('step 3\n');
    await vi.advanceTimersByTimeAsync(500);
    run.source.push(null);
    await runUntil(run.done);
    expect(reports).toEqual([
      { storedBytes: 0, position: 0, appends: 0, retries: 0, pendingBytes: 7, oldestPendingAt: start },
      { storedBytes: 7, position: 7, appends: 1, retries: 0, pendingBytes: 0, oldestPendingAt: undefined },
      { storedBytes: 7, position: 7, appends: 1, retries: 0, pendingBytes: 7, oldestPendingAt: start + 200 },
      { storedBytes: 21, position: 21, appends: 2, retries: 0, pendingBytes: 0, oldestPendingAt: undefined },
    ]);
  });

  it('reports each failed try as it is counted; bytes that arrive meanwhile keep their own arrival time', async () => {
    const { reports, onProgress } = recorder();
    const run = await startRun({ onProgress, retry: RETRY });
    run.fake.failNext('append', 503, 'reset-after-apply');
    const start = Date.now();
    run.source.push('line 1\n');
    // Between the first failure and the retry 100 ms later.
    await vi.advanceTimersByTimeAsync(50);
    run.source.push('line 2\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.settlement.value).toMatchObject({ bytes: 14, appends: 2, retries: 2 });
    expect(reports).toEqual([
      { storedBytes: 0, position: 0, appends: 0, retries: 0, pendingBytes: 7, oldestPendingAt: start },
      { storedBytes: 0, position: 0, appends: 0, retries: 1, pendingBytes: 7, oldestPendingAt: start },
      { storedBytes: 0, position: 0, appends: 0, retries: 2, pendingBytes: 14, oldestPendingAt: start },
      { storedBytes: 7, position: 7, appends: 1, retries: 2, pendingBytes: 7, oldestPendingAt: start + 50 },
      { storedBytes: 14, position: 14, appends: 2, retries: 2, pendingBytes: 0, oldestPendingAt: undefined },
    ]);
  });

  it("gives no position until the first HEAD has found the object's length", async () => {
    const fake = fakeOss({ latencyMs: 10 });
    fake.write(KEY, 'run 1\n');
    fake.failNext('head', 503);
    const { reports, onProgress } = recorder();
    const start = Date.now();
    const { source, settlement, done } = runOn(fake, { resume: true, onProgress, retry: RETRY });
    source.push('run 2\n');
    source.push(null);
    await runUntil(done);
    expect(settlement.value).toMatchObject({ bytes: 6, position: 12 });
    expect(reports).toEqual([
      { storedBytes: 0, position: undefined, appends: 0, retries: 0, pendingBytes: 6, oldestPendingAt: start },
      { storedBytes: 0, position: undefined, appends: 0, retries: 1, pendingBytes: 6, oldestPendingAt: start },
      { storedBytes: 6, position: 12, appends: 1, retries: 1, pendingBytes: 0, oldestPendingAt: undefined },
    ]);
  });
});

describe('an onProgress that throws (fake clock, fake OSS)', () => {
  it('stops the appends and rejects with a ProgressCallbackError that says what is stored; it is not called again', async () => {
    let calls = 0;
    const run = await startRun({
      onProgress: ({ appends }) => {
        calls += 1;
        if (appends === 1) throw boom;
      },
    });
    run.source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(1000);
    run.source.push('step 2\n');
    await runUntil(run.done);

    const error = run.settlement.error as ProgressCallbackError;
    expect(error).toBeInstanceOf(ProgressCallbackError);
    expect(error).toMatchObject({ code: 'ERR_APPEND_PROGRESS_CALLBACK', cause: boom, storedBytes: 7, position: 7, unsentBytes: 0 });
    expect(error.message).toBe(
      `onProgress threw (Error: status display crashed), so appending to ${KEY} stopped once the append in flight had settled; ` +
        'what was appended stays in the object. Stored: 7 bytes from this call, the object is 7 bytes long.',
    );
    expect(explainUploadError(error).kind).toBe('progress-callback-threw');
    expect(calls).toBe(2);
    expect(run.appends()).toHaveLength(1);
    expect(run.fake.body(KEY)?.toString()).toBe('step 1\n');
    expect(run.source.destroyed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('thrown on a failed try whose outcome is unknown, lets one HEAD settle it first: the account is exact', async () => {
    const run = await startRun({
      retry: { minDelayMs: 1000 },
      onProgress: ({ retries }) => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a caller's callback may throw anything
        if (retries > 0) throw 'not an error';
      },
    });
    run.fake.failNext('append', 'reset-after-apply');
    run.source.push('step 1\n');
    await runUntil(run.done);

    expect(run.settlement.error).toBeInstanceOf(ProgressCallbackError);
    expect(run.settlement.error).toMatchObject({ cause: 'not an error', storedBytes: 7, unconfirmedBytes: 0, unsentBytes: 0 });
    expect((run.settlement.error as Error).message).toMatch(/^onProgress threw \(a non-error value of type string\), /);
    // No wait for the retry's delay: the HEAD goes at once.
    const first = run.fake.requests[0]!.at;
    const appendsAndHeads = run.fake.requests.filter(({ method }) => method === 'append' || method === 'head');
    expect(appendsAndHeads.map(({ method, at }) => [method, at - first])).toEqual([
      ['head', 0],
      ['append', 0],
      ['head', 0],
    ]);
    expect(run.fake.body(KEY)?.toString()).toBe('step 1\n');
  });
});
