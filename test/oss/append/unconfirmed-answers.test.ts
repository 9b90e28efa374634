import { describe, expect, it, vi } from 'vitest';
import { AppendGaveUpError, appendAccountOf, NotOssAnswerError, OSS_ERROR_OUTCOMES } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import type { Fault } from '../../support/fake-oss.js';
import { KEY, runUntil, startRun, type Run } from './helpers.js';

useFakeClock();

const RETRY = { attempts: 4, minDelayMs: 100, maxDelayMs: 100 };
const LINES = ['one\n', 'two\n', 'three\n'];

/** Pushes each line and lets it flush, the `at`-th line's request of `method` meeting `faults` (one per try). */
async function appendLinesWith(method: 'append' | 'head', faults: Fault[], at: number): Promise<Run> {
  const run = await startRun({ retry: RETRY });
  for (const [index, line] of LINES.entries()) {
    if (index === at) {
      // A HEAD is sent only after an append of unknown outcome: make one.
      if (method === 'head') run.fake.failNext('append', 'reset-after-apply');
      run.fake.failNext(method, ...faults);
    }
    run.source.push(line);
    await vi.advanceTimersByTimeAsync(1000);
  }
  run.source.push(null);
  await runUntil(run.done);
  return run;
}

/** What every settled run must show: success only with every byte stored, and an account that is the store's. */
function expectTruthful(run: Run): void {
  const stored = run.fake.body(KEY) ?? Buffer.alloc(0);
  const source = Buffer.from(LINES.join(''));
  if (run.settlement.error === undefined) {
    expect(stored).toEqual(source);
    expect(run.settlement.value).toMatchObject({ position: source.length, crc64: run.fake.objects.get(KEY)!.crc64 });
    return;
  }
  const { position = 0, unconfirmedBytes } = appendAccountOf(run.settlement.error)!;
  expect([position, position + unconfirmedBytes]).toContain(stored.length);
  expect(stored).toEqual(source.subarray(0, stored.length));
  expect((run.settlement.error as Error).message).not.toMatch(/NaN/);
}

/** Answers that did not come from OSS, or not whole: each says nothing about the object. */
const APPEND_LIES: Fault[] = ['bare-200', 'applied-bare-200', 'html-200', 'garbage-numbers'];
const HEAD_LIES: Fault[] = ['bare-200', 'html-200', 'garbage-numbers', 'html-404'];
/** Lies that come without the append being applied: while they go on, nothing can be confirmed. */
const LASTING_LIES = { append: ['bare-200', 'html-200'], head: HEAD_LIES } as const;

describe('appendStream believes only OSS (fake clock, fake OSS)', () => {
  describe.each([
    ['append', APPEND_LIES, LASTING_LIES.append],
    ['head', HEAD_LIES, LASTING_LIES.head],
  ] as const)('on the %s', (method, lies, lasting) => {
    it.each(lies.flatMap((lie) => [0, 2].map((at) => [lie, at] as const)))(
      'checks a %s answer to line %i like a reset, and stores every byte once',
      async (lie, at) => {
        const run = await appendLinesWith(method, [lie], at);
        expect(run.settlement.error).toBeUndefined();
        expectTruthful(run);
        expect(run.settlement.value?.retries).toBeGreaterThan(0);
      },
    );

    it.each(lasting)('never resolves while every answer is %s: it gives up, saying something other than OSS answered', async (lie) => {
      const run = await appendLinesWith(method, Array<Fault>(RETRY.attempts).fill(lie), 2);
      expectTruthful(run);
      const error = run.settlement.error as AppendGaveUpError;
      expect(error).toBeInstanceOf(AppendGaveUpError);
      expect(error.cause).toBeInstanceOf(NotOssAnswerError);
      expect(error.message).toContain('something other than OSS answered: check the endpoint and any proxy in between');
    });
  });

  it.each(['applied-bare-200', 'garbage-numbers'] as const)(
    'confirms with a HEAD an append that landed though every answer to it is %s',
    async (lie) => {
      const run = await appendLinesWith('append', Array<Fault>(RETRY.attempts).fill(lie), 0);
      expectTruthful(run);
      expect(run.settlement.value).toMatchObject({ appends: 3 });
    },
  );

  it('counts a bare 200 for the last append as unknown: the HEAD finds it missing and it is sent again', async () => {
    const run = await appendLinesWith('append', ['bare-200'], 2);
    expectTruthful(run);
    expect(run.appends().map((request) => [request.position, request.fault])).toEqual([
      [0, undefined],
      [4, undefined],
      [8, 'bare-200'],
      [8, undefined],
    ]);
  });

  it('resends at once, without a HEAD, what OSS itself refused as RequestTimeout (a body that came too slowly)', async () => {
    const run = await appendLinesWith('append', ['request-timeout'], 1);
    expectTruthful(run);
    expect(run.appendsAndHeads()).toEqual(['head', 'append', 'append', 'append', 'append']);
  });

  it('checks a stale 409 (PositionNotEqualToLength no request of this call caused) with a HEAD, and goes on', async () => {
    const run = await appendLinesWith('append', ['stale-409'], 1);
    expectTruthful(run);
    expect(run.settlement.value).toMatchObject({ appends: 3, retries: 1 });
  });

  it('sorts each of OSS error codes once: resent, checked, or refused', () => {
    expect(OSS_ERROR_OUTCOMES).toMatchObject({
      RequestTimeout: 'not-applied',
      InvalidDigest: 'not-applied',
      PositionNotEqualToLength: 'unknown',
      InternalError: 'unknown',
      AccessDenied: 'refused',
      EntityTooLarge: 'refused',
    });
  });
});
