/**
 * What every group shares: the package as built, child processes, side-by-side ratios, and the rows
 * they become.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { on, once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type OSS from 'ali-oss';
import { Bench } from 'tinybench';
import type { LocalOssStats } from '../src/testing/index.js';
import type * as Testing from '../src/testing/index.js';
import { startCountingProxy, type CountingProxy, type ProxiedRequest } from './counting-proxy.js';

/** One row of the table. Without a goal it is an extra: measured to show where the time goes. */
export interface Figure {
  figure: string;
  baseline: string;
  /** NaN when the measurement itself failed (written as null in results.json). */
  value: number;
  unit: 'x' | 'B' | 'ms' | '/min' | 'requests';
  goal?: { comparison: '<=' | '<' | '>='; value: number };
  /** The raw numbers behind the figure, for a reader who doubts it. */
  detail: string;
}

export function passes({ value, goal }: Figure): boolean | undefined {
  if (goal === undefined) return undefined;
  // NaN fails every comparison: a failed measurement never passes.
  return goal.comparison === '<=' ? value <= goal.value : goal.comparison === '<' ? value < goal.value : value >= goal.value;
}

function formatNumber(value: number, unit: Figure['unit']): string {
  if (Number.isNaN(value)) return 'error';
  if (unit === 'x') return `${value.toFixed(3)}x`;
  if (unit === 'B' && Math.abs(value) >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.round(value)} ${unit}`;
}

/** A Markdown table, readable in a CI log and ready for bench/README.md, then each row's detail. */
export function formatTable(rows: readonly Figure[]): string {
  const lines = rows.map((row, index) => {
    const pass = passes(row);
    const goal = row.goal ? `${row.goal.comparison} ${formatNumber(row.goal.value, row.unit)}` : '(extra)';
    const result = pass === undefined ? '' : pass ? 'pass' : 'MISS';
    return `| ${index + 1} | ${row.figure} | ${row.baseline} | ${goal} | ${formatNumber(row.value, row.unit)} | ${result} |`;
  });
  const details = rows.map((row, index) => `${index + 1}. ${row.detail}`);
  return ['| # | figure | baseline | goal | value | result |', '|---|---|---|---|---|---|', ...lines, '', ...details].join('\n');
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const formatList = (values: readonly number[], digits = 3): string => values.map((v) => v.toFixed(digits)).join(' ');

/** A line of build log, ASCII so that a UTF-8-safe stream never holds a tail back. */
export function logChunk(size: number): Buffer {
  const line = Buffer.alloc(size, 'compiling src/module.ts ... ok ');
  line[size - 1] = 0x0a;
  return line;
}

/** One measurement of one side, where smaller is better: a duration, CPU time. */
export type Measure = () => Promise<number>;

export interface SideBySide {
  /** Per side, the median of its measurements. */
  medians: number[];
  /** Per side, each round's sum over the first side's: ratios[0] is all ones. */
  ratios: number[][];
}

/**
 * Measures the sides in turn: each round runs them forward, then backward (A B B A), so a trend within the
 * round (a core warming up, a heap filling) falls on every side alike. A figure is the median of the rounds'
 * ratios: a burst of load from another process on a shared machine spoils a round or two, and the median
 * drops them.
 */
export async function sideBySide(rounds: number, sides: readonly Measure[]): Promise<SideBySide> {
  const values: number[][] = sides.map(() => []);
  const ratios: number[][] = sides.map(() => []);
  const order = [...sides.keys(), ...[...sides.keys()].reverse()];
  for (let round = 0; round < rounds; round++) {
    const sums = sides.map(() => 0);
    for (const side of order) {
      // With --expose-gc, each run starts on a clean heap instead of paying for the one before.
      globalThis.gc?.();
      const value = await sides[side]!();
      values[side]!.push(value);
      sums[side]! += value;
    }
    sums.forEach((sum, side) => ratios[side]!.push(sum / sums[0]!));
  }
  return { medians: values.map(median), ratios };
}

export function cpuMs(since?: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}

/** The median latency in ms of a small operation, sampled by tinybench for about `timeMs`. */
export async function tinybenchLatency(fn: () => void | Promise<void>, timeMs: number): Promise<number> {
  const bench = new Bench({ time: timeMs, warmupTime: timeMs / 4, throws: true });
  bench.add('task', fn);
  await bench.run();
  const { result } = bench.tasks[0]!;
  if (!('latency' in result)) throw new Error(`tinybench task ended ${result.state}`);
  return result.latency.p50;
}

/*
 * The code under measurement is the package as tsup builds it. tsx, which runs the bench, compiles with
 * esbuild's keepNames: it redefines the name of every closure, turning each into a dictionary-mode object
 * of about 256 B and adding a defineProperty to every construction, costs no user of the built package
 * pays. So bench/run.ts builds src/ first and names the folder in BUILD_ENV, which its children inherit.
 */
const BUILD_ENV = 'HEARTBEAT_BENCH_BUILD';
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds the package's entries and the seed (so the baseline is compiled alike) into a folder under
 * node_modules/.cache: there the bundles find the package's dependencies, tsx leaves them alone, and a
 * package.json of their own marks them as ES modules. Returns a function that removes the folder.
 */
export async function buildProduct(): Promise<() => Promise<void>> {
  const { build } = await import('tsup');
  const cache = path.join(root, 'node_modules/.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(path.join(cache, 'heartbeat-bench-'));
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  await build({
    config: false,
    silent: true,
    entry: {
      index: path.join(root, 'src/index.ts'),
      'oss/index': path.join(root, 'src/oss/index.ts'),
      'testing/index': path.join(root, 'src/testing/index.ts'),
      'seed-oss-read-stream': path.join(root, 'bench/seed-oss-read-stream.ts'),
    },
    outDir: dir,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: false,
    dts: false,
    sourcemap: false,
  });
  process.env[BUILD_ENV] = dir;
  return () => rm(dir, { recursive: true, force: true });
}

/** An entry of the build, e.g. `load<typeof Core>('index')`. */
export async function load<T>(entry: 'index' | 'oss/index' | 'testing/index' | 'seed-oss-read-stream'): Promise<T> {
  const dir = process.env[BUILD_ENV];
  if (dir === undefined) throw new Error('run the bench through bench/run.ts, which builds the package first');
  return (await import(pathToFileURL(path.join(dir, `${entry}.js`)).href)) as T;
}

/** Child processes run bench/run.ts with `--child <task> <JSON argument>`; results come back over IPC. */
export function forkTask(task: string, argument: unknown): { child: ChildProcess; next: () => Promise<unknown> } {
  const script = fileURLToPath(new URL('./run.ts', import.meta.url));
  // The parent's flags (--expose-gc, --import tsx) are inherited; 'advanced' keeps NaN a number.
  const child = fork(script, ['--child', task, JSON.stringify(argument)], { serialization: 'advanced' });
  const failed = once(child, 'exit').then(([code]) => {
    throw new Error(`bench child '${task}' exited with ${String(code)}`);
  });
  // Rejected at every exit, a clean one too: only a race that loses to it reports it.
  failed.catch(() => {});
  const next = async (): Promise<unknown> => (await Promise.race([once(child, 'message'), failed]))[0];
  return { child, next };
}

/** Runs `task(argument)` in a fresh process and returns what it returned. */
export async function inChild<T>(task: string, argument: unknown): Promise<T> {
  const { child, next } = forkTask(task, argument);
  const result = (await next()) as T;
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  return result;
}

/** In a child: runs the task and sends its result; exits when done, or when the parent is gone. */
export async function serveTask(task: (argument: never) => Promise<unknown>, argument: unknown): Promise<void> {
  process.once('disconnect', () => process.exit(0));
  const result = await task(argument as never);
  // Exits rather than waiting for the loop to empty: the seed's intervals never end without 'end'.
  process.send!(result ?? null, () => process.exit(0));
}

type ServerRequest = 'stats' | 'close' | { offlineMs: number } | { proxy: string } | { requests: string };

/** The local server's counters and its process's CPU time in ms. */
export interface ServerStats {
  stats: LocalOssStats;
  cpuMs: number;
}

/**
 * startLocalOss in a process of its own: the client's event loop (busy or not) and CPU time are never the
 * server's, as with a remote server. Answers 'stats', goes offline on request, starts counting proxies in
 * front of it (bench/counting-proxy.ts) and lists what went through them, ends on 'close'.
 */
export async function localOssTask(idleLimitMs: number): Promise<void> {
  const { startLocalOss } = await load<typeof Testing>('testing/index');
  const server = await startLocalOss({ idleLimitMs });
  const proxies = new Map<string, CountingProxy>();
  process.send!(server.clientOptions());
  try {
    for await (const [request] of on(process, 'message') as AsyncIterable<[ServerRequest]>) {
      if (request === 'close') break;
      if (request === 'stats') process.send!({ stats: server.stats(), cpuMs: cpuMs() } satisfies ServerStats);
      else if ('proxy' in request) {
        const proxy = await startCountingProxy(server.endpoint);
        proxies.set(request.proxy, proxy);
        process.send!({ ...server.clientOptions(), endpoint: proxy.endpoint } satisfies OSS.Options);
      } else if ('requests' in request) process.send!(proxies.get(request.requests)?.requests ?? []);
      else void server.faults.goOffline(request.offlineMs);
    }
  } finally {
    await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
    await server.close();
  }
}

export type LocalOssProcess = Awaited<ReturnType<typeof startLocalOssProcess>>;

export async function startLocalOssProcess(idleLimitMs: number) {
  const { child, next } = forkTask('local OSS', idleLimitMs);
  const clientOptions = (await next()) as OSS.Options;
  // One question at a time: answers come back in order, and each is taken by the one who asked.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = <T>(request: ServerRequest): Promise<T> => {
    const answer = queue.then(async () => {
      child.send(request);
      return (await next()) as T;
    });
    queue = answer.catch(() => {});
    return answer;
  };
  return {
    clientOptions,
    stats: (): Promise<ServerStats> => ask<ServerStats>('stats'),
    /** Client options that reach the server through a counting proxy of its own, named `name`. */
    proxy: (name: string): Promise<OSS.Options> => ask<OSS.Options>({ proxy: name }),
    /** What went through the proxy `name` so far, oldest first. */
    proxiedRequests: (name: string): Promise<ProxiedRequest[]> => ask<ProxiedRequest[]>({ requests: name }),
    /** Refuses connections for `ms` (closing the open ones), then listens again. */
    goOffline: (ms: number): void => void child.send({ offlineMs: ms } satisfies ServerRequest),
    close: async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await queue;
      child.send('close' satisfies ServerRequest);
      await once(child, 'exit');
    },
  };
}
