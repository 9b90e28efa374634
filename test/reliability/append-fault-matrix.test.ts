import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import {
  appendStream,
  explainUploadError,
  type AppendStreamOptions,
  type AppendStreamResult,
  type OssClientOptions,
  type UploadErrorKind,
} from '../../src/oss/index.js';
import type { LocalOss } from '../../src/testing/index.js';
import { internalsOf, muteUrllibWarnings, useLocalOss, WAIT } from '../support/local-oss.js';
import { recordResponses, type RawResponse } from '../support/responses.js';
import { observeSettlement, type Settlement } from '../support/settlement.js';
import { resourceBaseline, resourcesBackTo } from '../support/resources.js';

const oss = useLocalOss();
const baseline = resourceBaseline();
const KEY = 'logs/build-42.log';
/** A build log in three parts: each goes up in appends of its own, the fault meets the second. */
const PARTS = [
  Buffer.from('[1/3] install: added 214 packages\n'.repeat(3)),
  Buffer.from('[2/3] 编译 compile: 142 files ✓\n'.repeat(3)),
  Buffer.from('[3/3] test: 87 passed, 0 failed\nBUILD SUCCESSFUL\n'),
];
const INPUT = Buffer.concat(PARTS);
const OPTIONS: AppendStreamOptions = {
  flushIntervalMs: 20,
  // Far above a loaded machine's slowest answer: the control case must need no retry.
  requestTimeoutMs: 5_000,
  retry: { minDelayMs: 50, maxDelayMs: 300, maxElapsedMs: 10_000 },
};
const sourceError = new Error('compiler crashed');
const abortReason = new Error('build cancelled');

interface Run {
  local: LocalOss;
  /** Every response the client received, in order. */
  responses: RawResponse[];
  source: Readable;
  controller: AbortController;
  /** Pushes part `index` and waits until the object holds everything up to its end. */
  feed(index: number): Promise<void>;
}

interface AppendFaultCase {
  fault: string;
  outcome: 'stored' | UploadErrorKind;
  clientOptions?: Partial<OssClientOptions>;
  options?: AppendStreamOptions;
  /** Feeds the parts, injecting the fault on the way. */
  inject(run: Run): Promise<void>;
  /** What the object holds when the call rejected; default: the prefix of the input the error says is stored. */
  stored?: (error: Record<string, unknown>) => Buffer;
  check?: (run: Run, settlement: Settlement<AppendStreamResult>) => void;
}

/** Feeds part 0, injects `fault` on the next append, feeds the rest and ends the source. */
function faultOnSecondPart(inject: (local: LocalOss) => unknown) {
  return async (run: Run): Promise<void> => {
    await run.feed(0);
    await inject(run.local);
    await run.feed(1);
    await run.feed(2);
    run.source.push(null);
  };
}

const appendFault = (kind: 'reset-before-apply' | 'reset-after-apply' | 'no-response' | 'internal-error' | 'service-unavailable') =>
  faultOnSecondPart((local) => local.faults.inject({ kind, match: { operation: 'AppendObject', key: KEY } }));

const cases: AppendFaultCase[] = [
  { fault: 'none', outcome: 'stored', inject: faultOnSecondPart(() => {}) },
  { fault: 'a reset before OSS applies an append', outcome: 'stored', inject: appendFault('reset-before-apply') },
  { fault: 'a reset after OSS applied an append', outcome: 'stored', inject: appendFault('reset-after-apply') },
  {
    fault: 'a lost response (OSS applied the append, the answer never came)',
    outcome: 'stored',
    // Short, as the wait for the answer that never comes is this long: a slow answer only adds a retry.
    options: { requestTimeoutMs: 500 },
    inject: appendFault('no-response'),
  },
  { fault: 'HTTP 500 InternalError', outcome: 'stored', inject: appendFault('internal-error') },
  { fault: 'HTTP 503 ServiceUnavailable', outcome: 'stored', inject: appendFault('service-unavailable') },
  {
    fault: "a reset after OSS applied an append, resent by ali-oss's own retryMax (409)",
    outcome: 'stored',
    // ali-oss takes retryMax though @types/ali-oss does not list it.
    clientOptions: { retryMax: 2 } as Partial<OssClientOptions>,
    inject: appendFault('reset-after-apply'),
    // ali-oss's resend of the append that had landed was refused: the position had moved on.
    check: ({ responses }) => expect(responses.filter(({ status }) => status === 409)).toHaveLength(1),
  },
  {
    fault: 'the server down for 0.6 s, then back',
    outcome: 'stored',
    inject: async (run) => {
      await run.feed(0);
      const back = run.local.faults.goOffline(600);
      run.source.push(PARTS[1]);
      await back;
      await run.feed(2);
      run.source.push(null);
    },
  },
  {
    fault: '409 PositionNotEqualToLength: another writer appended',
    outcome: 'append-conflict',
    inject: async (run) => {
      await run.feed(0);
      const other = new OSS(run.local.clientOptions());
      await other.append(KEY, Buffer.from('theirs\n'), { position: String(PARTS[0]!.length) });
      run.source.push(PARTS[1]);
    },
    stored: () => Buffer.concat([PARTS[0]!, Buffer.from('theirs\n')]),
    check: (_run, { error }) => {
      expect(error).toMatchObject({
        expected: { length: PARTS[0]!.length + PARTS[1]!.length },
        actual: { length: PARTS[0]!.length + 7 },
        storedBytes: PARTS[0]!.length,
        unsentBytes: PARTS[1]!.length,
        // The length OSS reported, not the one this call last knew.
        position: PARTS[0]!.length + 7,
      });
      expect((error as Error).message).toContain(
        `expected it to be ${PARTS[0]!.length + PARTS[1]!.length} bytes long, but OSS reports ${PARTS[0]!.length + 7}`,
      );
    },
  },
  {
    fault: 'the signal aborts between two parts',
    outcome: 'aborted',
    inject: async (run) => {
      await run.feed(0);
      run.source.push(PARTS[1]);
      run.controller.abort(abortReason);
    },
    check: (_run, { error }) => {
      expect(error).toMatchObject({ name: 'AbortError', cause: abortReason, storedBytes: PARTS[0]!.length });
      expect((error as Error).message).toContain('what was appended stays in the object');
    },
  },
  {
    fault: 'the source errors after two parts',
    outcome: 'source-error',
    inject: async (run) => {
      await run.feed(0);
      run.source.push(PARTS[1]);
      run.source.destroy(sourceError);
    },
    stored: () => Buffer.concat([PARTS[0]!, PARTS[1]!]),
    check: (_run, { error }) => expect(error).toBe(sourceError),
  },
];

describe('fault matrix: appendStream through real ali-oss to startLocalOss', () => {
  muteUrllibWarnings();

  it.each(cases.map((fault) => [`${fault.fault} → ${fault.outcome}`, fault] as const))('%s', async (_name, fault) => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local, fault.clientOptions);
    const source = new Readable({ read() {} });
    const controller = new AbortController();
    const run: Run = {
      local,
      responses: recordResponses(client),
      source,
      controller,
      async feed(index) {
        source.push(PARTS[index]);
        const end = PARTS.slice(0, index + 1).reduce((sum, part) => sum + part.length, 0);
        await vi.waitFor(() => expect(local.getObject(KEY)?.length).toBe(end), WAIT);
      },
    };
    const { settlement, done } = observeSettlement(appendStream(client, KEY, source, { ...OPTIONS, ...fault.options, signal: controller.signal }));
    await Promise.all([fault.inject(run), done]);

    // Settled once, the way the table says.
    expect(settlement.calls).toBe(1);
    const stored = local.getObject(KEY);
    if (fault.outcome === 'stored') {
      expect(settlement.error).toBeUndefined();
      // Byte for byte, nothing duplicated: every append OSS applied is one of the call's.
      expect(stored?.equals(INPUT)).toBe(true);
      const head = (await client.head(KEY)).res.headers as Record<string, string>;
      expect(settlement.value).toEqual({
        name: KEY,
        bytes: INPUT.length,
        appends: local.stats().appends,
        // The control case needs none; every fault at least one (below).
        retries: fault.fault === 'none' ? 0 : expect.any(Number),
        position: INPUT.length,
        crc64: head['x-oss-hash-crc64ecma'],
        complete: true,
        incompleteReason: undefined,
      });
      if (fault.fault !== 'none') expect(settlement.value!.retries).toBeGreaterThan(0);
    } else {
      expect(explainUploadError(settlement.error).kind).toBe(fault.outcome);
      const error = settlement.error as Record<string, unknown>;
      // Exactly what the error says is stored.
      const expected = fault.stored?.(error) ?? INPUT.subarray(0, error.storedBytes as number);
      expect(stored?.equals(expected)).toBe(true);
    }
    fault.check?.(run, settlement);
    expect(local.faults.pending()).toBe(0);
    expect(source.destroyed).toBe(true);

    // Once the server is closed and the client's agents destroyed, no timer or socket is left.
    internalsOf(client).agent.destroy();
    await local.close();
    await resourcesBackTo(baseline());
  });
});
