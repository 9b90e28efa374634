/** The core's figures, in-process: a pipeline stage, a push, and thousands of idle streams. */
import { performance } from 'node:perf_hooks';
import { PassThrough, Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { setImmediate, setTimeout } from 'node:timers/promises';
import type * as Core from '../src/index.js';
import type * as Seed from './seed-oss-read-stream.js';
import {
  formatList,
  inChild,
  load,
  logChunk,
  median,
  cpuMs,
  sideBySide,
  tinybenchLatency,
  type Figure,
  type Measure,
} from './harness.js';

/** The push-driven streams compared: no heartbeat at all, the product, and the seed's fix. */
type StreamKind = 'plain' | 'heartbeat' | 'seed';
const STREAM_KINDS: readonly StreamKind[] = ['plain', 'heartbeat', 'seed'];

/** Makes a stream the caller pushes into; both heartbeat designs wait `silenceMs` before a filler. */
async function pushStreamMaker(): Promise<(kind: StreamKind, silenceMs: number) => Readable> {
  const { HeartbeatReadable } = await load<typeof Core>('index');
  const { SeedOssReadStream } = await load<typeof Seed>('seed-oss-read-stream');
  return (kind, silenceMs) =>
    kind === 'plain'
      ? new Readable({ read() {} })
      : kind === 'heartbeat'
        ? new HeartbeatReadable({ heartbeatAfterMs: silenceMs, idleLimitMs: silenceMs * 2 })
        : new SeedOssReadStream({ thresholdMs: silenceMs });
}

export interface PipelineConfig {
  rounds: number;
  /** Bytes through one pipeline of 64 KiB chunks, and of 128 B chunks. */
  bytes64k: number;
  bytes128: number;
}

// More than are ever in flight between source and sink, so a slot is never refilled while still queued.
const RING = 64;

/**
 * Each chunk is filled by a copy, as a file or socket source fills its buffer, so bytes cost what they cost
 * in life; the buffers come from a ring, not the allocator, so garbage collection adds no noise.
 */
function ringSource(template: Buffer, count: number): Readable {
  const ring = Array.from({ length: RING }, () => Buffer.allocUnsafe(template.length));
  let produced = 0;
  return new Readable({
    read() {
      while (produced < count) {
        const chunk = ring[produced++ % RING]!;
        template.copy(chunk);
        if (!this.push(chunk)) return;
      }
      this.push(null);
    },
  });
}

/** The CPU time of `work` (user and system, in ms); its wall time goes to `walls`. */
function cpuTimed(work: () => Promise<void>, walls: number[]): Measure {
  return async () => {
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    await work();
    walls.push(performance.now() - wallStart);
    return cpuMs(cpuStart);
  };
}

/**
 * Whole pipelines (source, stage, sink) timed one at a time: tinybench's many short iterations fit a
 * pipeline that must be built, run and drained badly. The figure is CPU time: for work that waits on
 * nothing outside the process it is what the work costs, and other processes on a shared machine disturb
 * it far less than wall time. The wall-time ratio is in the detail.
 */
export async function pipelineGroup(config: PipelineConfig): Promise<Figure[]> {
  const { withHeartbeat } = await load<typeof Core>('index');
  const sink = (): Writable => new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const stage = async (rounds: number, chunkSize: number, bytes: number, goal: number): Promise<Figure> => {
    const template = logChunk(chunkSize);
    const count = Math.ceil(bytes / chunkSize);
    const walls = { passThrough: [] as number[], heartbeat: [] as number[] };
    const result = await sideBySide(rounds, [
      cpuTimed(() => pipeline(ringSource(template, count), new PassThrough(), sink()), walls.passThrough),
      cpuTimed(() => pipeline(withHeartbeat(ringSource(template, count)), sink()), walls.heartbeat),
    ]);
    const mibPerS = (ms: number): string => `${((count * chunkSize) / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s`;
    const wallRatio = median(walls.heartbeat.map((ms, i) => ms / walls.passThrough[i]!));
    return {
      figure: `withHeartbeat(source) as a pipeline stage, ${chunkSize >= 1024 ? `${chunkSize / 1024} KiB` : `${chunkSize} B`} chunks`,
      baseline: 'PassThrough stage',
      value: median(result.ratios[1]!),
      unit: 'x',
      goal: { comparison: '<=', value: goal },
      detail:
        `${count} chunks per pipeline; CPU time as throughput: PassThrough ${mibPerS(result.medians[0]!)}, ` +
        `withHeartbeat ${mibPerS(result.medians[1]!)}; round ratios ${formatList(result.ratios[1]!)}; ` +
        `median wall-time ratio ${wallRatio.toFixed(3)}`,
    };
  };
  // An untimed pass of each first, so the first measured round does not pay for JIT compilation.
  await stage(1, 64 * 1024, config.bytes64k / 8, 1.05);
  await stage(1, 128, config.bytes128 / 8, 1.1);
  return [
    await stage(config.rounds, 64 * 1024, config.bytes64k, 1.05),
    await stage(config.rounds, 128, config.bytes128, 1.1),
  ];
}

export interface PushConfig {
  rounds: number;
  /** tinybench's time budget for one side of one run. */
  timeMs: number;
}

interface PushRow {
  baseline: Exclude<StreamKind, 'heartbeat'>;
  chunk: Buffer | string;
  /**
   * 'burst': synchronous pushes, as a runner splitting a buffered block into lines makes. 'per-tick': microtasks
   * run between two pushes, as when each chunk is its own event: work deferred to a microtask is paid per push.
   */
  pattern: 'burst' | 'per-tick';
  /** Undefined: an extra row. */
  goal?: number;
}

// Long enough that no filler is due while the bench runs: this measures the cost of a push alone.
const PUSH_SILENCE_MS = 30_000;
// One tinybench iteration pushes a batch: one push is too short for its timer to resolve.
const BATCH = 1000;

export async function pushGroup(config: PushConfig): Promise<Figure[]> {
  const createPushStream = await pushStreamMaker();
  const settled = Promise.resolve();
  /** The median latency of pushing BATCH chunks into a started stream that a 'data' reader drains, as an upload does. */
  const pushLatency = async (kind: StreamKind, { chunk, pattern }: PushRow): Promise<number> => {
    const stream = createPushStream(kind, PUSH_SILENCE_MS);
    stream.on('data', () => {});
    await setImmediate();
    const batch =
      pattern === 'burst'
        ? () => {
            for (let i = 0; i < BATCH; i++) stream.push(chunk);
          }
        : async () => {
            for (let i = 0; i < BATCH; i++) {
              stream.push(chunk);
              await settled;
            }
          };
    try {
      return await tinybenchLatency(batch, config.timeMs);
    } finally {
      // 'end' is the only thing that stops the seed's interval.
      stream.push(null);
      await finished(stream);
    }
  };
  const buffer = logChunk(128);
  const rows: PushRow[] = [
    { baseline: 'plain', chunk: buffer, pattern: 'burst', goal: 1.05 },
    { baseline: 'seed', chunk: buffer, pattern: 'burst', goal: 1.0 },
    { baseline: 'plain', chunk: buffer, pattern: 'per-tick' },
    { baseline: 'seed', chunk: buffer, pattern: 'per-tick' },
    { baseline: 'plain', chunk: buffer.toString('latin1'), pattern: 'burst' },
  ];
  const figures: Figure[] = [];
  for (const row of rows) {
    const result = await sideBySide(config.rounds, [() => pushLatency(row.baseline, row), () => pushLatency('heartbeat', row)]);
    const perPush = (ms: number): string => `${((ms / BATCH) * 1e6).toFixed(0)} ns`;
    const chunkType = typeof row.chunk === 'string' ? 'string' : 'Buffer';
    figures.push({
      figure: `push ${row.chunk.length} B ${chunkType} chunks, ${row.pattern}, into HeartbeatReadable`,
      baseline: row.baseline === 'plain' ? 'plain Readable' : "seed's OSSReadStream",
      value: median(result.ratios[1]!),
      unit: 'x',
      ...(row.goal !== undefined && { goal: { comparison: '<=', value: row.goal } }),
      detail:
        `median per push: ${row.baseline} ${perPush(result.medians[0]!)}, heartbeat ${perPush(result.medians[1]!)}; ` +
        `round ratios ${formatList(result.ratios[1]!)} (tinybench p50)`,
    });
  }
  return figures;
}

export interface IdleConfig {
  rounds: number;
  count: number;
  /** How long the CPU is watched: a few heartbeat periods. */
  windowMs: number;
}

// Short, so that a window of a second or two spans several heartbeats of every stream.
const IDLE_SILENCE_MS = 200;

interface IdleReport {
  heapBytesPerStream: number;
  cpuMicros: number;
  /** Filler bytes the readers received during the window: a design that sends none does no work. */
  fillerBytes: number;
}

/**
 * One process per kind: `count` started, idle streams; the heap each costs and the CPU the process spends
 * over `windowMs` of silence. A process of its own, so that neither the heap nor the timer lists of one
 * kind colour another's figure. Needs --expose-gc: heap figures without a full collection measure garbage.
 */
export async function idleProcess({ kind, count, windowMs }: IdleConfig & { kind: StreamKind }): Promise<IdleReport> {
  const createPushStream = await pushStreamMaker();
  const gc = globalThis.gc!;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const streams: Readable[] = [];
  let received = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
  };
  for (let i = 0; i < count; i++) {
    const stream = createPushStream(kind, IDLE_SILENCE_MS);
    // Started, as under an upload: a reader flows it. The first log line starts the seed's clock.
    stream.on('data', onData);
    stream.push('step 1\n');
    streams.push(stream);
  }
  // resume() and the first read happen on later ticks.
  await setImmediate();
  await setImmediate();
  gc();
  const heapBytesPerStream = (process.memoryUsage().heapUsed - heapBefore) / streams.length;
  const receivedBefore = received;
  const cpuBefore = process.cpuUsage();
  await setTimeout(windowMs);
  const cpu = process.cpuUsage(cpuBefore);
  return { heapBytesPerStream, cpuMicros: cpu.user + cpu.system, fillerBytes: received - receivedBefore };
}

export async function idleGroup(config: IdleConfig): Promise<Figure[]> {
  const rounds: Record<StreamKind, IdleReport>[] = [];
  for (let round = 0; round < config.rounds; round++) {
    const reports = {} as Record<StreamKind, IdleReport>;
    // A rotating order, so that no kind always runs first.
    for (let i = 0; i < STREAM_KINDS.length; i++) {
      const kind = STREAM_KINDS[(i + round) % STREAM_KINDS.length]!;
      reports[kind] = await inChild<IdleReport>('idle process', { ...config, kind });
    }
    rounds.push(reports);
  }
  const medianOf = (kind: StreamKind, pick: (report: IdleReport) => number): number => median(rounds.map((r) => pick(r[kind])));
  const each = (kinds: readonly StreamKind[], show: (kind: StreamKind) => string): string => kinds.map((k) => `${k} ${show(k)}`).join(', ');
  const extra = rounds.map((r) => r.heartbeat.heapBytesPerStream - r.plain.heapBytesPerStream);
  const cpuRatios = rounds.map((r) => r.heartbeat.cpuMicros / r.seed.cpuMicros);
  const designs: StreamKind[] = ['seed', 'heartbeat'];
  return [
    {
      figure: `${config.count} idle streams: heap per stream, extra`,
      baseline: 'plain Readable',
      // A difference, not a ratio: the goal is a budget in bytes per stream.
      value: median(extra),
      unit: 'B',
      goal: { comparison: '<=', value: 1024 },
      detail:
        `heap per started stream, median of ${config.rounds} processes each: ` +
        `${each(STREAM_KINDS, (k) => `${Math.round(medianOf(k, (r) => r.heapBytesPerStream))} B`)}; ` +
        `heartbeat - plain per round: ${formatList(extra, 0)}`,
    },
    {
      figure: `${config.count} idle streams: CPU over ${config.windowMs} ms, heartbeatAfterMs ${IDLE_SILENCE_MS}`,
      baseline: "seed's design, same threshold",
      value: median(cpuRatios),
      unit: 'x',
      goal: { comparison: '<=', value: 1 },
      // The seed's poll makes its fillers late, so it sends fewer: the cost per filler tells the designs apart.
      detail:
        `CPU: ${each(STREAM_KINDS, (k) => `${(medianOf(k, (r) => r.cpuMicros) / 1000).toFixed(0)} ms`)}; ` +
        `filler bytes: ${each(designs, (k) => String(medianOf(k, (r) => r.fillerBytes)))}; ` +
        `CPU per filler: ${each(designs, (k) => `${medianOf(k, (r) => r.cpuMicros / r.fillerBytes).toFixed(1)} µs`)}; ` +
        `heartbeat/seed per round: ${formatList(cpuRatios, 2)}`,
    },
  ];
}
