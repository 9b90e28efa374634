import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { appendStream } from '../../src/oss/index.js';
import type { FaultKind } from '../../src/testing/index.js';
import { muteUrllibWarnings, useLocalOss } from '../support/local-oss.js';
import { paced } from '../support/sources.js';
import { seededRandom, soakPlan, type SoakPlan } from './helpers.js';

// Skipped by default: SOAK=1 npx vitest run test/reliability/append-soak.test.ts
// SOAK_APPENDERS and SOAK_SEED change the load and replay a run.
const APPENDERS = Number(process.env.SOAK_APPENDERS ?? 200);
const SEED = Number(process.env.SOAK_SEED ?? 0xa99e);
const MAX_SILENCE_MS = 1500;
const FAULT_KINDS: readonly FaultKind[] = ['reset-before-apply', 'reset-after-apply', 'no-response', 'internal-error', 'service-unavailable'];

const oss = useLocalOss();

function plan(index: number, random: ReturnType<typeof seededRandom>): SoakPlan {
  // Random bytes, not text: append mode stores any bytes as they are.
  const chunk = (): Buffer => Buffer.from(Array.from({ length: random.int(1, 20_000) }, () => random.int(0, 255)));
  return soakPlan(random, `soak/append-${index}.log`, random.int(3, 12), chunk, MAX_SILENCE_MS);
}

describe.skipIf(!process.env.SOAK)(`soak: ${APPENDERS} concurrent appendStreams with random faults (seed ${SEED})`, () => {
  muteUrllibWarnings();

  it(
    'stores every object exactly, whatever faults hit its appends and HEADs',
    async () => {
      const local = await oss.start();
      const client = oss.heartbeatClient(local);
      const random = seededRandom(SEED);
      const plans = Array.from({ length: APPENDERS }, (_, index) => plan(index, random));
      // Two faults per appender on average, each on a random request of a random object, and one outage for all.
      for (let i = 0; i < 2 * APPENDERS; i++) {
        local.faults.inject({
          kind: random.pick(FAULT_KINDS),
          match: { operation: random.pick(['AppendObject', 'HeadObject'] as const), key: random.pick(plans).key },
        });
      }
      const outage = sleep(3000).then(() => local.faults.goOffline(2000));

      const started = performance.now();
      const outcomes = await Promise.allSettled(
        plans.map((appender) =>
          appendStream(client, appender.key, paced(appender.chunks, appender.silencesMs), {
            flushIntervalMs: random.int(50, 1000),
            maxAppendBytes: random.int(1024, 64 * 1024),
            requestTimeoutMs: 2000,
            retry: { minDelayMs: 50, maxDelayMs: 1000, maxElapsedMs: 60_000 },
          }),
        ),
      );
      await outage;
      const stats = local.stats();
      console.log(
        JSON.stringify({
          seed: SEED,
          appenders: APPENDERS,
          bytes: plans.reduce((sum, appender) => sum + Buffer.concat(appender.chunks).length, 0),
          appends: stats.appends,
          faults: stats.faults,
          retries: outcomes.reduce((sum, outcome) => sum + (outcome.status === 'fulfilled' ? outcome.value.retries : 0), 0),
          runMs: Math.round(performance.now() - started),
        }),
      );

      const failures = outcomes.flatMap((outcome, index) =>
        outcome.status === 'rejected' ? [`${plans[index]!.key}: ${String(outcome.reason)}`] : [],
      );
      expect(failures).toEqual([]);
      for (const { key, chunks } of plans) expect(local.getObject(key)?.equals(Buffer.concat(chunks)), key).toBe(true);
    },
    180_000,
  );
});
