import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppendGaveUpError, AppendRefusedError } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { KEY, runUntil, startRun } from './helpers.js';

useFakeClock();
afterEach(() => {
  vi.restoreAllMocks();
});

const RETRY = { minDelayMs: 100, maxDelayMs: 1000 };

describe('appendStream retries (fake clock, fake OSS)', () => {
  it.each([
    [0, [100, 100, 100, 100, 100]],
    [0.5, [150, 250, 450, 550, 550]],
  ])(
    'waits between minDelayMs and min(maxDelayMs, minDelayMs * 2^n) before the n-th retry (Math.random() = %s)',
    async (random, gaps) => {
      vi.spyOn(Math, 'random').mockReturnValue(random);
      const run = await startRun({ retry: RETRY });
      run.fake.failNext('append', 503, 503, 503, 503, 503);
      run.source.push('line\n');
      run.source.push(null);
      await runUntil(run.done, 60_000, 10);
      const times = run.appends().map((request) => request.at);
      expect(times.slice(1).map((at, i) => at - times[i]!)).toEqual(gaps);
      expect(run.settlement.value).toMatchObject({ bytes: 5, appends: 1, retries: 5 });
      expect(run.fake.body(KEY)?.toString()).toBe('line\n');
    },
  );

  it('rides out OSS being down for 20 s with the default retry options', async () => {
    const run = await startRun();
    run.source.push('before\n');
    await vi.advanceTimersByTimeAsync(1000);
    run.fake.offlineFor(20_000);
    run.source.push('during\n');
    await vi.advanceTimersByTimeAsync(19_000);
    expect(run.settlement.settled).toBe(false);
    run.source.push('after\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.fake.body(KEY)?.toString()).toBe('before\nduring\nafter\n');
    expect(run.settlement.value!.retries).toBeGreaterThan(3);
  });

  it('checks the length with a HEAD before every resend', async () => {
    const run = await startRun({ retry: RETRY });
    run.fake.failNext('append', 503, 503);
    run.source.push('line\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.fake.requests.map((request) => request.method)).toEqual([
      'head',
      'append',
      'head',
      'append',
      'head',
      'append',
      // The completion marker: one request, the tags this call created the object with known already.
      'put-tagging',
    ]);
  });

  it('gives up after retry.attempts tries of one append, saying what is stored and what is not', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const run = await startRun({ maxAppendBytes: 6, flushIntervalMs: 1000, retry: { ...RETRY, attempts: 4 } });
    run.source.push('first\n');
    await vi.advanceTimersByTimeAsync(0);
    run.fake.failNext('append', 503, 503, 503, 503);
    run.source.push('second\nthird');
    await runUntil(run.done);

    const error = run.settlement.error as AppendGaveUpError;
    expect(error).toBeInstanceOf(AppendGaveUpError);
    expect(error).toMatchObject({
      code: 'ERR_APPEND_GAVE_UP',
      attempts: 4,
      objectName: KEY,
      storedBytes: 6,
      position: 6,
      // A 503 may come after the append was applied; one last HEAD before giving up shows it was not.
      unconfirmedBytes: 0,
      unsentBytes: 12,
      appends: 1,
      retries: 3,
      cause: { status: 503, code: 'ServiceUnavailable' },
    });
    expect(error.message).toBe(
      `Gave up on ${KEY} after 4 attempts over 0.3 s; the last failure: ServiceUnavailableError ServiceUnavailable HTTP 503. ` +
        'Stored: 6 bytes from this call, the object is 6 bytes long; 12 bytes taken from the source are not stored.',
    );
    expect(run.appends()).toHaveLength(1 + 4);
    expect(run.appendsAndHeads().at(-1)).toBe('head');
    expect(run.fake.body(KEY)?.toString()).toBe('first\n');
    expect(run.source.destroyed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up once one append has kept failing for retry.maxElapsedMs, trying a last time at that moment', async () => {
    const run = await startRun({ retry: { attempts: Infinity, maxElapsedMs: 10_000, minDelayMs: 100, maxDelayMs: 3000 } });
    run.fake.offlineFor(60 * 60_000);
    run.source.push('line\n');
    // The first line after a silence goes at once.
    const firstTry = Date.now();
    await runUntil(run.done);
    expect(run.settlement.error).toMatchObject({ name: 'AppendGaveUpError', elapsedMs: 10_000, storedBytes: 0 });
    expect((run.settlement.error as Error).message).toMatch(/over 10\.0 s; the last failure: RequestError ECONNREFUSED\./);
    expect(run.fake.requests.at(-1)!.at).toBe(firstTry + 10_000);
  });

  it('rejects at once, without retrying, when OSS refuses the request for a reason retrying cannot fix', async () => {
    const run = await startRun();
    const denied = Object.assign(new Error('You have no right to access this object.'), {
      name: 'AccessDeniedError',
      status: 403,
      code: 'AccessDenied',
      requestId: '5C3D8A1B2E4F6A7B8C9D0E1F',
    });
    run.fake.client.append = () => Promise.reject(denied);
    run.source.push('line\n');
    await runUntil(run.done);
    expect(run.settlement.error).toBeInstanceOf(AppendRefusedError);
    expect(run.settlement.error).toMatchObject({ code: 'ERR_APPEND_REFUSED', cause: denied, retries: 0, unsentBytes: 5 });
    expect((run.settlement.error as Error).message).toMatch(
      `OSS refused a request for ${KEY}: AccessDeniedError AccessDenied HTTP 403; retrying cannot help.`,
    );
  });

  it('says a refusal without x-oss-request-id (a proxy\'s 403 page) did not come from OSS, and leaves the append unconfirmed', async () => {
    const run = await startRun();
    const page = Object.assign(new Error('unknow request error, status: 403'), { name: 'UnknownError', status: 403 });
    run.fake.client.append = () => Promise.reject(page);
    run.source.push('line\n');
    await runUntil(run.done);
    expect(run.settlement.error).toMatchObject({ code: 'ERR_APPEND_REFUSED', cause: page, unconfirmedBytes: 5, unsentBytes: 0 });
    expect((run.settlement.error as Error).message).toMatch(
      `A request for ${KEY} was refused, though not by OSS (UnknownError HTTP 403, without x-oss-request-id): ` +
        'something in front of OSS answered; check the endpoint and any proxy in between.',
    );
  });
});
