import { runJsonScript } from './child.js';
import type { IdleReport } from './idle-streams-child.js';
import { STREAM_KINDS, type StreamKind } from './kinds.js';
import { median } from './ratio.js';
import { figure, type Figure } from './report.js';

export interface IdleConfig {
  rounds: number;
  count: number;
  /** How long the CPU is watched: a few heartbeat periods. */
  windowMs: number;
}

// Short, so that a window of one or two seconds spans several heartbeats of every stream.
const SILENCE_MS = 200;

function runIdle(kind: StreamKind, config: IdleConfig): Promise<IdleReport> {
  const args = [kind, String(config.count), String(SILENCE_MS), String(config.windowMs)];
  return runJsonScript<IdleReport>('./idle-streams-child.ts', args, ['--expose-gc']);
}

export async function idleFigures(config: IdleConfig): Promise<Figure[]> {
  const rounds: Record<StreamKind, IdleReport>[] = [];
  for (let round = 0; round < config.rounds; round++) {
    // One process per kind and round, in a rotating order so that no kind always runs first.
    const order = STREAM_KINDS.map((_, i) => STREAM_KINDS[(i + round) % STREAM_KINDS.length]!);
    const reports: Partial<Record<StreamKind, IdleReport>> = {};
    for (const kind of order) reports[kind] = await runIdle(kind, config);
    rounds.push(reports as Record<StreamKind, IdleReport>);
  }
  const medianOf = (kind: StreamKind, pick: (report: IdleReport) => number): number =>
    median(rounds.map((r) => pick(r[kind])));
  const heap = (kind: StreamKind): string => `${kind} ${Math.round(medianOf(kind, (r) => r.heapBytesPerStream))} B`;
  const cpuMs = (kind: StreamKind): string => `${kind} ${(medianOf(kind, (r) => r.cpuMicros) / 1000).toFixed(0)} ms`;
  const fillers = (kind: StreamKind): string => `${kind} ${medianOf(kind, (r) => r.fillerBytes)}`;
  // The seed's poll makes its fillers late, so it sends fewer: the cost per filler tells the designs apart.
  const perFiller = (kind: StreamKind): string => `${kind} ${medianOf(kind, (r) => r.cpuMicros / r.fillerBytes).toFixed(1)} µs`;
  const extra = rounds.map((r) => r.heartbeat.heapBytesPerStream - r.plain.heapBytesPerStream);
  const cpuRatios = rounds.map((r) => r.heartbeat.cpuMicros / r.seed.cpuMicros);
  const designs: StreamKind[] = ['seed', 'heartbeat'];
  return [
    figure({
      figure: `${config.count} idle streams: heap per stream, extra`,
      baseline: 'plain Readable',
      // A difference, not a ratio: the goal is a budget in bytes per stream.
      value: median(extra),
      unit: 'B',
      comparison: '<=',
      goal: 1024,
      detail:
        `heap per started stream, median of ${config.rounds} processes: ${STREAM_KINDS.map(heap).join(', ')}; ` +
        `heartbeat - plain per round: ${extra.map((b) => Math.round(b)).join(' ')}`,
    }),
    figure({
      figure: `${config.count} idle streams: CPU over ${config.windowMs} ms, heartbeatAfterMs ${SILENCE_MS}`,
      baseline: "seed's design, same threshold",
      value: median(cpuRatios),
      unit: 'x',
      comparison: '<=',
      goal: 1,
      detail:
        `CPU: ${STREAM_KINDS.map(cpuMs).join(', ')}; filler bytes received: ${designs.map(fillers).join(', ')}; ` +
        `CPU per filler: ${designs.map(perFiller).join(', ')}; ` +
        `heartbeat/seed per round: ${cpuRatios.map((r) => r.toFixed(2)).join(' ')}`,
    }),
  ];
}
