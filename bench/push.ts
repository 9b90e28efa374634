import { setImmediate } from 'node:timers/promises';
import { finished } from 'node:stream/promises';
import { createPushStream, logChunk, type StreamKind } from './kinds.js';
import { alternate, tinybenchLatency } from './ratio.js';
import { figure, type Figure } from './report.js';

export interface PushConfig {
  rounds: number;
  /** tinybench's time budget for one side of one run. */
  timeMs: number;
}

/**
 * 'burst': a batch of synchronous pushes, as a runner that splits a buffered block into lines does.
 * 'per-tick': microtasks run between two pushes, as when each chunk comes in its own event (a child
 * process's stdout): work a stream defers to a microtask is paid on every push, not once per batch.
 */
type Pattern = 'burst' | 'per-tick';

// Long enough that no filler is due while the bench runs: this measures the cost of a push alone.
const SILENCE_MS = 30_000;
// One tinybench iteration pushes a batch: one push is too short for the timer to resolve.
const BATCH = 1000;
const noop = (): void => {};
const settled = Promise.resolve();

/** Median latency of pushing BATCH chunks into a started stream of `kind` that a reader drains. */
async function pushLatency(kind: StreamKind, chunk: Buffer | string, pattern: Pattern, timeMs: number): Promise<number> {
  const stream = createPushStream(kind, SILENCE_MS);
  // A 'data' reader is what an upload is: the stream flows, and a heartbeat stream's clock runs.
  stream.on('data', noop);
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
    return await tinybenchLatency(batch, timeMs);
  } finally {
    // 'end' is the only thing that stops the seed's interval.
    stream.push(null);
    await finished(stream);
  }
}

interface PushRow {
  baseline: StreamKind;
  goal: number;
  chunk: Buffer | string;
  pattern: Pattern;
  /** Not a figure of issue 5: measured to tell where the time goes. */
  extra?: boolean;
}

async function pushFigure(config: PushConfig, row: PushRow): Promise<Figure> {
  const { baseline, chunk, pattern } = row;
  const measure = (kind: StreamKind) => () => pushLatency(kind, chunk, pattern, config.timeMs);
  const result = await alternate(config.rounds, measure(baseline), measure('heartbeat'));
  const perPush = (ms: number): string => `${((ms / BATCH) * 1e6).toFixed(0)} ns`;
  const what = `${chunk.length} B ${typeof chunk === 'string' ? 'string' : 'Buffer'} chunks, ${pattern}`;
  return figure({
    figure: `push ${what} into HeartbeatReadable${row.extra ? ' (extra)' : ''}`,
    baseline: baseline === 'plain' ? 'plain Readable' : "seed's OSSReadStream",
    value: result.ratio,
    unit: 'x',
    comparison: '<=',
    goal: row.goal,
    detail:
      `median per push: ${baseline} ${perPush(result.baselineMedian)}, heartbeat ${perPush(result.candidateMedian)}; ` +
      `ratios ${result.ratios.map((r) => r.toFixed(3)).join(' ')} (tinybench p50)`,
  });
}

export async function pushFigures(config: PushConfig): Promise<Figure[]> {
  const buffer = logChunk(128);
  const rows: PushRow[] = [
    { baseline: 'plain', goal: 1.05, chunk: buffer, pattern: 'burst' },
    { baseline: 'seed', goal: 1.0, chunk: buffer, pattern: 'burst' },
    { baseline: 'plain', goal: 1.05, chunk: buffer, pattern: 'per-tick', extra: true },
    { baseline: 'seed', goal: 1.0, chunk: buffer, pattern: 'per-tick', extra: true },
    { baseline: 'plain', goal: 1.05, chunk: buffer.toString('latin1'), pattern: 'burst', extra: true },
  ];
  const figures: Figure[] = [];
  for (const row of rows) figures.push(await pushFigure(config, row));
  return figures;
}
