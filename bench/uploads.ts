/**
 * The figures of uploads through ali-oss to startLocalOss in a process of its own: throughput of the three
 * ways to upload, the gaps a heartbeat upload leaves, and append mode's memory (its latency and requests, and
 * followLog's, are in logs.ts).
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type OSS from 'ali-oss';
import type * as Oss from '../src/oss/index.js';
import {
  cpuMs,
  formatList,
  load,
  logChunk,
  median,
  sideBySide,
  startLocalOssProcess,
  type Figure,
  type LocalOssProcess,
} from './harness.js';

const MiB = 2 ** 20;
// The server's idle limit where the figure is not about idling: OSS's.
export const OSS_IDLE_LIMIT_MS = 60_000;
// A server that died must fail the figure, not stall the run.
export const GIVE_UP = { maxElapsedMs: 30_000 };

/** Runs `measure` against a fresh server process, closed afterwards. */
export async function withServer<T>(idleLimitMs: number, measure: (server: LocalOssProcess) => Promise<T>): Promise<T> {
  const server = await startLocalOssProcess(idleLimitMs);
  try {
    return await measure(server);
  } finally {
    await server.close();
  }
}

export async function storedLength(client: OSS, key: string): Promise<number> {
  const { res } = await client.head(key);
  return Number((res.headers as Record<string, string>)['content-length']);
}

/** A log as fast as its reader takes it: fresh 64 KiB chunks, `bytes` in all or until stopped. */
function fastSource(bytes = Infinity): Readable & { produced: number; stop(): void } {
  const template = logChunk(64 * 1024);
  let stopped = false;
  const source = Object.assign(
    new Readable({
      read() {
        while (!stopped && source.produced < bytes) {
          source.produced += template.length;
          if (!this.push(Buffer.from(template))) return;
        }
        this.push(null);
      },
    }),
    { produced: 0, stop: () => void (stopped = true) },
  );
  return source;
}

export interface UploadsConfig {
  rounds: number;
  bytes: number;
}

/**
 * putStream, putStreamWithHeartbeat and appendStream of the same fast source, side by side in wall time.
 * The client's and the server's CPU time per MiB go to the detail: on loopback the network costs nothing,
 * so CPU time is what sets the pace.
 */
export async function uploadsGroup({ rounds, bytes }: UploadsConfig): Promise<Figure[]> {
  const { appendStream, createOssClient, putStreamWithHeartbeat } = await load<typeof Oss>('oss/index');
  return withServer(OSS_IDLE_LIMIT_MS, async (server) => {
    const client = createOssClient(server.clientOptions);
    const mib = bytes / MiB;
    const uploads = [
      (key: string) => client.putStream(key, fastSource(bytes)),
      (key: string) => putStreamWithHeartbeat(client, key, fastSource(bytes)),
      (key: string) => appendStream(client, key, fastSource(bytes), { retry: GIVE_UP }),
    ];
    const cpu = uploads.map(() => ({ client: [] as number[], server: [] as number[] }));
    let run = 0;
    const sides = uploads.map((upload, side) => async () => {
      const key = `upload-${run++}.bin`;
      const serverBefore = await server.stats();
      const start = performance.now();
      const clientBefore = process.cpuUsage();
      await upload(key);
      const ms = performance.now() - start;
      cpu[side]!.client.push(cpuMs(clientBefore) / mib);
      cpu[side]!.server.push(((await server.stats()).cpuMs - serverBefore.cpuMs) / mib);
      const stored = await storedLength(client, key);
      if (stored !== bytes) throw new Error(`${key}: stored ${stored} bytes of ${bytes}`);
      // The server keeps objects in memory.
      await client.delete(key);
      return ms;
    });
    // Untimed: the first upload of each opens sockets and compiles the hot paths.
    for (const side of sides) await side();
    for (const side of cpu) side.client.length = side.server.length = 0;
    const result = await sideBySide(rounds, sides);
    const mibPerS = (side: number): string => `${(mib / (result.medians[side]! / 1000)).toFixed(0)} MiB/s`;
    const cpuPerMiB = (side: number): string =>
      `client ${median(cpu[side]!.client).toFixed(1)} ms, server ${median(cpu[side]!.server).toFixed(1)} ms`;
    const speedRatios = result.ratios[2]!.map((ratio) => 1 / ratio);
    return [
      {
        figure: `ali-oss putStream of ${mib} MiB, local server in another process`,
        baseline: 'same source, no wrapper',
        value: median(result.ratios[1]!),
        unit: 'x',
        goal: { comparison: '<=', value: 1.03 },
        detail:
          `putStream ${mibPerS(0)}, putStreamWithHeartbeat ${mibPerS(1)}; round ratios of time ${formatList(result.ratios[1]!)}; ` +
          `CPU per MiB: putStream ${cpuPerMiB(0)}, putStreamWithHeartbeat ${cpuPerMiB(1)}`,
      },
      {
        figure: `throughput of ${mib} MiB through appendStream (1 MiB appends)`,
        baseline: 'one putStream of it',
        // A speed ratio: the goal is a floor.
        value: median(speedRatios),
        unit: 'x',
        goal: { comparison: '>=', value: 0.8 },
        detail:
          `appendStream ${mibPerS(2)} in ${mib} appends; round ratios of speed ${formatList(speedRatios)}; ` +
          `CPU per MiB: putStream ${cpuPerMiB(0)}, appendStream ${cpuPerMiB(2)} (MD5 and CRC-64 of every byte)`,
      },
    ];
  });
}

export interface GapConfig {
  silenceMs: number;
}

const HEARTBEAT_AFTER_MS = 500;
const GAP_IDLE_LIMIT_MS = 1000;

/** Blocks the event loop for `blockMs` of every `periodMs`, as a CPU-bound build step in the same process would. */
function busyLoop(blockMs: number, periodMs: number): () => void {
  const interval = setInterval(() => {
    const until = performance.now() + blockMs;
    while (performance.now() < until) {
      // spin
    }
  }, periodMs);
  return () => clearInterval(interval);
}

/** An upload of a log line, `silenceMs` of nothing and another line; the server reports the longest gap. */
export async function gapGroup({ silenceMs }: GapConfig): Promise<Figure[]> {
  const { createOssClient, putStreamWithHeartbeat } = await load<typeof Oss>('oss/index');
  const row = (busy: boolean): Promise<Figure> =>
    withServer(GAP_IDLE_LIMIT_MS, async (server) => {
      const stopBusy = busy ? busyLoop(50, 100) : () => {};
      const log = new Readable({ read() {} });
      log.push('step 1: compiling\n');
      void sleep(silenceMs).then(() => {
        log.push('step 2: done\n');
        log.push(null);
      });
      // A failed upload fails the figure, but its gap still goes to the detail: how long the wire was silent.
      const outcome = await putStreamWithHeartbeat(createOssClient(server.clientOptions), 'build.log', log, {
        heartbeat: { idleLimitMs: GAP_IDLE_LIMIT_MS, heartbeatAfterMs: HEARTBEAT_AFTER_MS },
      }).then(
        (result) => `${result.heartbeats} heartbeats; upload stored`,
        (error: unknown) => `upload NOT stored: ${String(error)}`,
      );
      stopBusy();
      const { stored, idleClosed, maxBodyGapMs } = (await server.stats()).stats;
      const limit = busy ? GAP_IDLE_LIMIT_MS : HEARTBEAT_AFTER_MS;
      return {
        figure: busy
          ? `longest body gap, ${silenceMs / 1000} s silence, loop blocked 50 ms every 100 ms`
          : `longest body gap, ${silenceMs / 1000} s silence, heartbeatAfterMs ${HEARTBEAT_AFTER_MS}`,
        baseline: busy ? `idleLimitMs (${limit})` : `heartbeatAfterMs (${limit})`,
        value: stored === 1 && idleClosed === 0 ? maxBodyGapMs / limit : Number.NaN,
        unit: 'x',
        goal: busy ? { comparison: '<', value: 1 } : { comparison: '<=', value: 1.1 },
        detail: `server's maxBodyGapMs ${maxBodyGapMs.toFixed(1)} ms; ${outcome}`,
      };
    });
  return [await row(false), await row(true)];
}

export interface OutageConfig {
  /** How long the server refuses connections. */
  outageMs: number;
  /** How long the log flows at full speed before and after. */
  flowMs: number;
}

/** Run first in a fresh process: the detail counts memory from before the stream started. */
export async function outageGroup({ outageMs, flowMs }: OutageConfig): Promise<Figure[]> {
  const { appendStream, createOssClient, DEFAULT_MAX_BUFFERED_BYTES } = await load<typeof Oss>('oss/index');
  return withServer(OSS_IDLE_LIMIT_MS, async (server) => {
    const client = createOssClient(server.clientOptions);
    const source = fastSource();
    const rss = (): number => process.memoryUsage.rss();
    // What maxBufferedBytes bounds: the bytes held, which live in ArrayBuffers.
    const retained = (): number => {
      globalThis.gc!();
      return process.memoryUsage().arrayBuffers;
    };
    const before = { rss: rss(), retained: retained() };
    const done = appendStream(client, 'outage.log', source, { retry: { attempts: Infinity, maxDelayMs: 1000 } });
    // Flowing at full speed first, as a busy build's log does when the network goes.
    await sleep(flowMs);
    const atOutage = rss();
    let peak = atOutage;
    server.goOffline(outageMs);
    const outageStart = performance.now();
    while (performance.now() - outageStart < outageMs) {
      await sleep(100);
      peak = Math.max(peak, rss());
    }
    const producedByOutageEnd = source.produced;
    const retainedInOutage = retained() - before.retained;
    await sleep(flowMs);
    source.stop();
    const result = await done;
    const exact = (await storedLength(client, 'outage.log')) === source.produced && result.bytes === source.produced;
    const inMiB = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
    return [
      {
        figure: `RSS growth while OSS is unreachable for ${outageMs / 1000} s, fast source`,
        baseline: 'maxBufferedBytes + 16 MiB',
        value: exact ? peak - atOutage : Number.NaN,
        unit: 'B',
        goal: { comparison: '<=', value: DEFAULT_MAX_BUFFERED_BYTES + 16 * MiB },
        detail:
          `RSS before the stream ${inMiB(before.rss)}, when the outage began ${inMiB(atOutage)}, peak during it ${inMiB(peak)}; ` +
          `after a gc late in the outage, ArrayBuffers held ${inMiB(retainedInOutage)} more than before the stream ` +
          `(crc64-ecma182.js's fixed 16 MiB heap included); the source had produced ${inMiB(producedByOutageEnd)} by the ` +
          `end of the outage and ${inMiB(source.produced)} in all; stored ${exact ? 'exactly that' : 'NOT that'} ` +
          `in ${result.appends} appends with ${result.retries} retries`,
      },
    ];
  });
}
