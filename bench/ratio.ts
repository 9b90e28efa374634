import { performance } from 'node:perf_hooks';
import { Bench } from 'tinybench';

/** One measurement of one side: a duration, CPU time, anything where smaller is better. */
export type Measure = () => Promise<number>;

export interface RatioResult {
  /** Median over rounds of candidate / baseline. */
  ratio: number;
  ratios: number[];
  baselineMedian: number;
  candidateMedian: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Measures baseline (A) and candidate (B) side by side: each round runs A B B A B A A B and yields
 * sum(B) / sum(A), so a trend within the round (a core warming up, a heap filling) and any bias of
 * the first run after a switch fall on both sides alike. The figure is the median of the rounds'
 * ratios: a burst of load from another process on a shared machine spoils a round or two, and the
 * median drops them.
 */
export async function alternate(rounds: number, baseline: Measure, candidate: Measure): Promise<RatioResult> {
  const a = { measure: baseline, values: [] as number[], sum: 0 };
  const b = { measure: candidate, values: [] as number[], sum: 0 };
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    a.sum = b.sum = 0;
    for (const side of [a, b, b, a, b, a, a, b]) {
      // With --expose-gc, each run starts on a clean heap instead of paying for the one before.
      globalThis.gc?.();
      const value = await side.measure();
      side.values.push(value);
      side.sum += value;
    }
    ratios.push(b.sum / a.sum);
  }
  return { ratio: median(ratios), ratios, baselineMedian: median(a.values), candidateMedian: median(b.values) };
}

export type Clock = 'wall' | 'cpu';

/**
 * Times one run of `work` in ms by `clock`; the other clock's reading goes to `otherInto`, so a figure
 * can show both. 'cpu' is the process's user + system time over all its threads: for work that waits
 * on nothing outside the process it is what the work costs, and unlike wall time it barely grows when
 * another process on a shared machine takes the core away.
 */
export function timed(work: () => Promise<unknown>, clock: Clock = 'wall', otherInto?: number[]): Measure {
  return async () => {
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    await work();
    const { user, system } = process.cpuUsage(cpuStart);
    const times = { wall: performance.now() - wallStart, cpu: (user + system) / 1000 };
    otherInto?.push(times[clock === 'wall' ? 'cpu' : 'wall']);
    return times[clock];
  };
}

/** Median latency in ms of a small operation, sampled by tinybench for about `timeMs`. */
export async function tinybenchLatency(fn: () => void | Promise<void>, timeMs: number): Promise<number> {
  const bench = new Bench({ time: timeMs, warmupTime: timeMs / 4, throws: true });
  bench.add('task', fn);
  await bench.run();
  const { result } = bench.tasks[0]!;
  if (!('latency' in result)) throw new Error(`tinybench task ended ${result.state}`);
  return result.latency.p50;
}
