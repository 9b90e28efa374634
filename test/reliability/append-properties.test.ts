import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { appendStream } from '../../src/oss/index.js';
import { useFakeClock } from '../support/fake-clock.js';
import { fakeOss, type Fault } from '../support/fake-oss.js';
import { logSource } from '../support/sources.js';
import { observeSettlement } from '../support/settlement.js';

/*
 * appendStream against a fake OSS on the fake clock: random bytes cut into random chunks with random
 * silences, random batching options, and random faults on the append and HEAD requests (connection resets
 * before and after OSS applied the append, lost answers, 5xx, a body damaged on the way, an outage). Whatever
 * happens, the object ends up equal to the input, byte for byte, every promise settles once and no timer is left.
 */
const RUNS = 200;
const FAULTS: readonly Fault[] = ['reset-before-apply', 'reset-after-apply', 'drop-response', 500, 503, 'applied-then-500', 'damaged-in-transit'];

const piece = fc.record({
  bytes: fc.uint8Array({ minLength: 1, maxLength: 2048 }),
  silenceBeforeMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4000 })),
});
/** One entry per request, in order: no fault, or the fault it meets. */
const faultList = fc.array(fc.option(fc.constantFrom(...FAULTS), { nil: undefined, freq: 2 }), { maxLength: 12 });

const scenario = fc.record({
  pieces: fc.array(piece, { maxLength: 25 }),
  maxAppendBytes: fc.integer({ min: 1, max: 4096 }),
  extraBufferedBytes: fc.integer({ min: 0, max: 8192 }),
  flushIntervalMs: fc.integer({ min: 1, max: 3000 }),
  latencyMs: fc.integer({ min: 0, max: 300 }),
  appendFaults: faultList,
  headFaults: faultList,
  /** An outage starting at a random piece, for a random time. */
  outage: fc.option(fc.record({ atPiece: fc.nat(25), forMs: fc.integer({ min: 1, max: 30_000 }) }), { nil: undefined }),
});

describe('appendStream properties (fake clock, fake OSS)', () => {
  useFakeClock();

  it(`stores exactly the input under random chunkings, silences and faults (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (plan) => {
        const fake = fakeOss({ latencyMs: plan.latencyMs });
        for (const fault of plan.appendFaults) fake.failNext('append', ...(fault === undefined ? [] : [fault]));
        for (const fault of plan.headFaults) fake.failNext('head', ...(fault === undefined ? [] : [fault]));
        const source = logSource();
        const { settlement, done } = observeSettlement(
          appendStream(fake.client, 'log', source, {
            maxAppendBytes: plan.maxAppendBytes,
            maxBufferedBytes: plan.maxAppendBytes + plan.extraBufferedBytes,
            flushIntervalMs: plan.flushIntervalMs,
            requestTimeoutMs: 2000,
            retry: { attempts: Infinity, maxElapsedMs: Infinity, minDelayMs: 50, maxDelayMs: 2000 },
          }),
        );
        for (const [index, { bytes, silenceBeforeMs }] of plan.pieces.entries()) {
          if (plan.outage?.atPiece === index) fake.offlineFor(plan.outage.forMs);
          await vi.advanceTimersByTimeAsync(silenceBeforeMs);
          source.push(bytes);
        }
        source.push(null);
        for (let waited = 0; !settlement.settled && waited < 10 * 60_000; waited += 100) {
          await vi.advanceTimersByTimeAsync(100);
        }

        const input = Buffer.concat(plan.pieces.map(({ bytes }) => bytes));
        expect(settlement.error).toBeUndefined();
        expect(settlement.calls).toBe(1);
        expect(fake.body('log') ?? Buffer.alloc(0)).toEqual(input);
        expect(settlement.value).toMatchObject({ bytes: input.length, position: input.length });
        expect(settlement.value!.crc64).toBe(fake.objects.get('log')?.crc64 ?? '0');
        expect(vi.getTimerCount()).toBe(0);
        await done;
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
