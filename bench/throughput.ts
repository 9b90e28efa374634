import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { logChunk } from './kinds.js';
import { withHeartbeat } from './product.js';
import { alternate, median, timed } from './ratio.js';
import { figure, type Figure } from './report.js';

export interface ThroughputConfig {
  rounds: number;
  /** Bytes through one pipeline run. */
  bytes64k: number;
  bytes128: number;
}

// More than ever in flight between source and sink, so a slot is never refilled while still queued.
const RING = 64;

/**
 * Each chunk is filled by a copy, as a file or socket source fills its buffer, so bytes cost what they
 * cost in life; the buffers come from a ring, not the allocator, so garbage collection does not add
 * its noise to a figure about the stage.
 */
function source(template: Buffer, count: number): Readable {
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

const sink = (): Writable => new Writable({ write: (_chunk, _encoding, callback) => callback() });

/**
 * Whole pipelines, source -> stage -> sink, timed one at a time and alternating sides: tinybench's
 * model of many short iterations fits a pipeline that must be built, run and drained badly. The
 * figure is CPU time, which other processes on a shared machine disturb far less than wall time;
 * the wall-time ratio is kept in the detail.
 */
async function stageRatio(rounds: number, chunkSize: number, bytes: number, goal: number): Promise<Figure> {
  const template = logChunk(chunkSize);
  const count = Math.ceil(bytes / chunkSize);
  const passThrough = (): Promise<void> => pipeline(source(template, count), new PassThrough(), sink());
  const heartbeat = (): Promise<void> => pipeline(withHeartbeat(source(template, count)), sink());
  const walls = { baseline: [] as number[], candidate: [] as number[] };
  const result = await alternate(
    rounds,
    timed(passThrough, 'cpu', walls.baseline),
    timed(heartbeat, 'cpu', walls.candidate),
  );
  const wallRatios = walls.candidate.map((ms, i) => ms / walls.baseline[i]!);
  const mibPerS = (ms: number): string => `${((count * chunkSize) / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s`;
  const size = chunkSize >= 1024 ? `${chunkSize / 1024} KiB` : `${chunkSize} B`;
  return figure({
    figure: `withHeartbeat(source) as a pipeline stage, ${size} chunks`,
    baseline: 'PassThrough stage',
    value: result.ratio,
    unit: 'x',
    comparison: '<=',
    goal,
    detail:
      `${count} chunks per pipeline, CPU time per byte as throughput: PassThrough ${mibPerS(result.baselineMedian)}, ` +
      `withHeartbeat ${mibPerS(result.candidateMedian)}; CPU ratios ${result.ratios.map((r) => r.toFixed(3)).join(' ')}; ` +
      `median wall-time ratio ${median(wallRatios).toFixed(3)}`,
  });
}

export async function throughputFigures(config: ThroughputConfig): Promise<Figure[]> {
  // One untimed pass of each so that the first measured round does not pay for JIT compilation.
  await stageRatio(2, 64 * 1024, config.bytes64k / 8, Infinity);
  await stageRatio(2, 128, config.bytes128 / 8, Infinity);
  return [
    await stageRatio(config.rounds, 64 * 1024, config.bytes64k, 1.05),
    await stageRatio(config.rounds, 128, config.bytes128, 1.1),
  ];
}
