import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { withHeartbeat, type HeartbeatOptions, type HeartbeatReadable } from '../../src/index.js';
import { explainUploadError, putStreamWithHeartbeat, type UploadErrorKind } from '../../src/oss/index.js';
import type { LocalOss, LocalOssStats } from '../../src/testing/index.js';
import { internalsOf, muteUrllibWarnings, useLocalOss, WAIT } from '../support/local-oss.js';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../support/fault-proxy.js';
import { eventsAfter, fillerFreeBytes, seededRandom, trackedTimers } from './helpers.js';
import { observeSettlement } from '../support/settlement.js';
import { resourceBaseline, resourcesBackTo } from '../support/resources.js';

const oss = useLocalOss();
const baseline = resourceBaseline();
const KEY = 'build.log';
/** Heartbeats well inside the server's limit: only the injected fault may end the upload. */
const HEARTBEAT = { idleLimitMs: 800, heartbeatAfterMs: 200 };
/**
 * A server's idle limit and heartbeats that bridge it, frequent enough to be in time even if a loaded machine
 * runs their timer 900 ms late.
 */
const BRIDGED = { idleLimitMs: 1000, heartbeatAfterMs: 50 };
/** No heartbeat in any test's lifetime: Node's longest timer. */
const NO_HEARTBEAT = { idleLimitMs: 2 ** 31 - 1, heartbeatAfterMs: 2 ** 30 };
/** A build log without spaces (the filler), in two halves. */
const INPUT = Buffer.from('step_1:compiling_src/heartbeat-readable.ts\n'.repeat(24));
const HALF = INPUT.length >> 1;

interface Upload {
  local: LocalOss;
  proxy: FaultProxy;
  source: Readable;
  wrapper: HeartbeatReadable;
  controller: AbortController;
  input: Buffer;
}

interface FaultCase {
  fault: string;
  /** How the upload ends: stored, or rejected with an error explainUploadError names so. */
  outcome: 'stored' | UploadErrorKind;
  /** What the server keeps. Default: the whole input when `outcome` is 'stored', else nothing. */
  keeps?: 'the whole input' | 'nothing';
  /** What the caller is rejected with, beyond its kind. */
  rejectsWith?: keyof typeof REJECTIONS;
  /** What the server saw. */
  server: Partial<LocalOssStats>;
  serverIdleLimitMs?: number;
  heartbeat?: HeartbeatOptions;
  proxy?: FaultProxyOptions;
  /** Default: a push-driven Readable the case feeds. */
  source?: () => { source: Readable; input: Buffer };
  /** Feeds the source and injects the fault. */
  inject(upload: Upload): Promise<void>;
}

const sourceError = new Error('compiler crashed');
const abortReason = new Error('build cancelled');

const REJECTIONS = {
  'the source error': (error: unknown) => expect(error).toBe(sourceError),
  "the source's premature close": (error: unknown) => expect(error).toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' }),
  'an AbortError caused by the reason, the body not all sent': (error: unknown) =>
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: abortReason, bodySent: false }),
  // Not "nothing was stored": the server stores a request that was sent whole.
  'an AbortError caused by the reason, the whole body sent': (error: unknown) =>
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: abortReason, bodySent: true }),
  'an AbortError saying the body was destroyed': (error: unknown) =>
    expect(error).toMatchObject({
      name: 'AbortError',
      cause: { message: 'the upload body was destroyed before it ended' },
    }),
  'a network error': (error: unknown) => expect(error).toMatchObject({ name: 'ResponseError', status: -1 }),
};

/** Resolves once the server has been sent at least `bytes` of request body. */
async function bodyReached(proxy: FaultProxy, bytes: number): Promise<void> {
  await vi.waitFor(() => expect(proxy.stats().bodyBytes).toBeGreaterThanOrEqual(bytes), WAIT);
}

async function midBody({ source, proxy, input }: Upload): Promise<void> {
  source.push(input.subarray(0, HALF));
  await bodyReached(proxy, HALF);
}

/** A source as fast as its reader: every read() pushes 64 KiB until push() says stop. */
function fastSource(size: number): { source: Readable & { pauses: number }; input: Buffer } {
  const input = fillerFreeBytes(size, seededRandom(0x5eed).next);
  let offset = 0;
  const source = Object.assign(
    new Readable({
      read() {
        while (offset < input.length) {
          const chunk = input.subarray(offset, offset + 65_536);
          offset += chunk.length;
          if (!this.push(chunk)) return;
        }
        this.push(null);
      },
    }),
    { pauses: 0 },
  );
  // Counts withHeartbeat pausing the source because the upload is not taking bytes: backpressure.
  const pause = source.pause.bind(source);
  source.pause = () => {
    source.pauses += 1;
    return pause();
  };
  return { source, input };
}

/**
 * Faults injected once half the input has reached the server, each one action on the upload: the server sees the
 * request aborted and keeps nothing.
 */
const MID_BODY: { fault: string; outcome: UploadErrorKind; rejectsWith: keyof typeof REJECTIONS; act: (upload: Upload) => void }[] = [
  { fault: 'the source errors mid-body', outcome: 'source-error', rejectsWith: 'the source error', act: ({ source }) => source.destroy(sourceError) },
  // withHeartbeat turns a source that closes without ending into ERR_STREAM_PREMATURE_CLOSE.
  { fault: 'the source is destroyed (no error) mid-body', outcome: 'source-error', rejectsWith: "the source's premature close", act: ({ source }) => source.destroy() },
  // Destroyed without an error: its owner cancelled it, as an abort does.
  { fault: 'the wrapper is destroyed mid-upload', outcome: 'aborted', rejectsWith: 'an AbortError saying the body was destroyed', act: ({ wrapper }) => wrapper.destroy() },
  { fault: 'the wrapper is destroyed with an error mid-upload', outcome: 'source-error', rejectsWith: 'the source error', act: ({ wrapper }) => wrapper.destroy(sourceError) },
  {
    fault: 'the signal aborts mid-upload',
    outcome: 'aborted',
    rejectsWith: 'an AbortError caused by the reason, the body not all sent',
    act: ({ controller }) => controller.abort(abortReason),
  },
];

const cases: FaultCase[] = [
  {
    fault: 'the source errors before its first byte',
    outcome: 'source-error',
    rejectsWith: 'the source error',
    // Not even a filler reaches the wire: the server never sees a request.
    server: { stored: 0, idleClosed: 0, aborted: 0 },
    heartbeat: NO_HEARTBEAT,
    async inject({ source, proxy }) {
      // The upload has started reading it.
      await vi.waitFor(() => expect(source.readableFlowing).toBe(true), WAIT);
      source.destroy(sourceError);
      expect(proxy.stats().bodyBytes).toBe(0);
    },
  },
  ...MID_BODY.map(
    ({ fault, outcome, rejectsWith, act }): FaultCase => ({
      fault,
      outcome,
      rejectsWith,
      server: { stored: 0, idleClosed: 0, aborted: 1 },
      async inject(upload) {
        await midBody(upload);
        act(upload);
      },
    }),
  ),
  {
    fault: 'the source errors after its last chunk, before its end',
    outcome: 'source-error',
    rejectsWith: 'the source error',
    server: { stored: 0, idleClosed: 0, aborted: 1 },
    async inject({ source, proxy, input }) {
      source.push(input);
      await bodyReached(proxy, input.length);
      source.destroy(sourceError);
    },
  },
  {
    fault: 'the signal aborts after the last byte, before the response',
    // The caller gave up, but the server already had the whole body: a complete object, never a partial one.
    outcome: 'aborted',
    rejectsWith: 'an AbortError caused by the reason, the whole body sent',
    keeps: 'the whole input',
    server: { stored: 1, idleClosed: 0, aborted: 0 },
    proxy: { holdResponses: true },
    async inject({ source, local, proxy, controller, input }) {
      source.push(input);
      source.push(null);
      await vi.waitFor(() => expect(local.stats().stored).toBe(1), WAIT);
      controller.abort(abortReason);
      proxy.releaseResponses();
    },
  },
  {
    fault: 'the server resets the connection mid-body',
    outcome: 'other',
    rejectsWith: 'a network error',
    server: { stored: 0, idleClosed: 0, aborted: 1 },
    proxy: { resetAfterBodyBytes: 100 },
    async inject({ source, input }) {
      source.push(input.subarray(0, HALF));
    },
  },
  {
    fault: 'the server ends an idle connection (heartbeats off)',
    outcome: 'server-idle-close',
    rejectsWith: 'a network error',
    server: { stored: 0, idleClosed: 1 },
    serverIdleLimitMs: 300,
    heartbeat: NO_HEARTBEAT,
    async inject(upload) {
      await midBody(upload);
    },
  },
  {
    fault: 'a slow server reads a fast source (backpressure)',
    outcome: 'stored',
    server: { stored: 1, idleClosed: 0, aborted: 0 },
    // Far from any limit: a stall long enough for a filler would be a bug here, not a heartbeat.
    serverIdleLimitMs: 20_000,
    heartbeat: { idleLimitMs: 20_000, heartbeatAfterMs: 10_000 },
    proxy: { bytesPerSecond: 16 * 1024 * 1024 },
    source: () => fastSource(4 * 1024 * 1024),
    async inject() {},
  },
  {
    fault: 'none: silences longer than the server limit, bridged by heartbeats',
    outcome: 'stored',
    server: { stored: 1, idleClosed: 0, aborted: 0 },
    serverIdleLimitMs: BRIDGED.idleLimitMs,
    heartbeat: BRIDGED,
    async inject({ source, wrapper, input }) {
      // Each silence lasts at least this many heartbeats: longer than the server's limit.
      const beats = BRIDGED.idleLimitMs / BRIDGED.heartbeatAfterMs + 1;
      await vi.waitFor(() => expect(wrapper.heartbeats).toBeGreaterThanOrEqual(beats), WAIT);
      source.push(input.subarray(0, HALF));
      await vi.waitFor(() => expect(wrapper.heartbeats).toBeGreaterThanOrEqual(2 * beats), WAIT);
      source.push(input.subarray(HALF));
      source.push(null);
    },
  },
];

describe('fault matrix: putStreamWithHeartbeat through real ali-oss to startLocalOss', () => {
  muteUrllibWarnings();

  it.each(cases.map((fault) => [`${fault.fault} → ${fault.outcome}`, fault] as const))('%s', async (_name, fault) => {
    const local = await oss.start({ idleLimitMs: fault.serverIdleLimitMs ?? 10_000 });
    const proxy = await startFaultProxy(local.endpoint, fault.proxy);
    oss.defer(() => proxy.close());
    const client = oss.heartbeatClient(local, { endpoint: proxy.endpoint });
    const putStream = vi.spyOn(client, 'putStream');
    const timers = trackedTimers();
    const { source, input } = fault.source?.() ?? { source: new Readable({ read() {} }), input: INPUT };
    oss.defer(() => source.destroy());
    const wrapper = withHeartbeat(source, { ...(fault.heartbeat ?? HEARTBEAT), timers });
    // Cleared when the stream ends or is destroyed, not left to find out at its next firing.
    let pendingAtClose: number | undefined;
    wrapper.once('close', () => (pendingAtClose = timers.pending()));
    const controller = new AbortController();

    const { settlement, done } = observeSettlement(
      putStreamWithHeartbeat(client, KEY, wrapper, { signal: controller.signal }),
    );
    const late = eventsAfter(wrapper, () => settlement.settled);
    await Promise.all([fault.inject({ local, proxy, source, wrapper, controller, input }), done]);

    // Settled once, the way the table says.
    expect(settlement.calls).toBe(1);
    if (fault.outcome === 'stored') {
      expect(settlement.error).toBeUndefined();
      expect(settlement.value).toMatchObject({
        dataBytes: input.length,
        heartbeats: wrapper.heartbeats,
        res: { status: 200 },
      });
    } else {
      expect(settlement.value).toBeUndefined();
      expect(explainUploadError(settlement.error).kind).toBe(fault.outcome);
    }
    if (fault.rejectsWith) REJECTIONS[fault.rejectsWith](settlement.error);
    // The request underneath has ended too, not merely been given up on.
    expect(putStream).toHaveBeenCalledTimes(1);
    await Promise.allSettled([putStream.mock.results[0]!.value]);

    // A complete object or none: never a partial one.
    await vi.waitFor(() => expect(local.stats()).toMatchObject(fault.server), WAIT);
    const stored = local.getObject(KEY);
    if ((fault.keeps ?? (fault.outcome === 'stored' ? 'the whole input' : 'nothing')) === 'the whole input') {
      expect(stored!.length).toBe(input.length + wrapper.heartbeats);
      expect(stored!.toString('latin1').replaceAll(' ', '')).toBe(input.toString('latin1'));
    } else {
      expect(stored).toBeUndefined();
    }
    if (fault.proxy?.resetAfterBodyBytes !== undefined) expect(proxy.stats().resets).toBe(1);
    if (fault.proxy?.bytesPerSecond !== undefined) {
      expect(proxy.stats().pauses).toBeGreaterThan(0);
      expect((source as Readable & { pauses: number }).pauses).toBeGreaterThan(0);
      expect(local.getObject(KEY)!.equals(input)).toBe(true);
    }

    // Both streams are done with, and no heartbeat timer is pending (they are unref'd: Node does not list them).
    await vi.waitFor(() => {
      expect(wrapper.closed).toBe(true);
      expect(source.destroyed).toBe(true);
    }, WAIT);
    expect(pendingAtClose).toBe(0);
    expect(timers.pending()).toBe(0);
    // Once the servers are closed and the client's agents destroyed, no timer or socket is left.
    internalsOf(client).agent.destroy();
    internalsOf(client).httpsAgent.destroy();
    await proxy.close();
    await local.close();
    await resourcesBackTo(baseline());
    // Nothing was emitted after the promise settled.
    expect(late).toEqual([]);
  });
});
