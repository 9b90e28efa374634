/**
 * Append mode's figures (issue 11), against startLocalOss in a process of its own:
 *   - line-to-readable latency with the default 1 s flush: from a line leaving the source to a GetObject
 *     that returns it (p50, p99; goal p99 <= flush + 100 ms);
 *   - append requests per minute of steady logging, and during silence (goal: none);
 *   - throughput of a large source through appendStream against one putStream of it (goal >= 0.8x);
 *   - RSS growth while OSS is unreachable for a while under a fast source (goal <= maxBufferedBytes + 16 MiB).
 * Prints a table and writes bench/append-results.json. A missed goal is reported, never an exit code.
 *
 *   node --expose-gc --import tsx bench/append.ts [--quick]
 */
import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import OSS from 'ali-oss';
import { BUILD_ENV, buildProduct } from './build.js';
import { logChunk } from './kinds.js';
import { median } from './ratio.js';
import { figure, formatTable, type Figure } from './report.js';

const MiB = 2 ** 20;
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const mode = values.quick ? 'quick' : 'full';
const CONFIG = {
  full: { steadyMs: 60_000, silenceMs: 30_000, throughputBytes: 128 * MiB, throughputRounds: 3, outageMs: 30_000 },
  quick: { steadyMs: 15_000, silenceMs: 10_000, throughputBytes: 32 * MiB, throughputRounds: 1, outageMs: 10_000 },
}[mode];

// Before bench/product.ts loads: it picks the build up when first imported, and so does the server's process.
const build = await buildProduct();
process.env[BUILD_ENV] = build.dir;
const { loadOss } = await import('./product.js');
const { startLocalOssProcess } = await import('./local-oss-process.js');
const { appendStream, createOssClient, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_BUFFERED_BYTES } = await loadOss();

type Client = ReturnType<typeof createOssClient>;
const GIVE_UP = { maxElapsedMs: 30_000 };

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Counts the append requests a client sends, retries included. */
function countAppends(client: Client): { count(): number } {
  let count = 0;
  const append = client.append.bind(client);
  client.append = ((...args: Parameters<Client['append']>) => {
    count += 1;
    return append(...args);
  }) as Client['append'];
  return { count: () => count };
}

/**
 * A build log: a numbered line at random intervals for `steadyMs`, then silence for `silenceMs`. A reader
 * polls GetObject and notes when each line first comes back; the append requests are counted in both phases.
 */
async function latencyAndRequests(serverOptions: OSS.Options): Promise<Figure[]> {
  const client = createOssClient(serverOptions);
  const reader = new OSS(serverOptions);
  const appends = countAppends(client);
  const key = `latency-${Date.now()}.log`;
  const source = new Readable({ read() {} });
  // Default options but a short give-up: a server that died must fail the figure, not stall the run.
  const done = appendStream(client, key, source, { retry: GIVE_UP });
  const sentAt: number[] = [];
  const latencies: number[] = [];
  let polling = true;
  const poll = (async () => {
    let seen = 0;
    while (polling) {
      const content = await reader.get(key).then(
        (result) => result.content as Buffer,
        () => Buffer.alloc(0),
      );
      const now = performance.now();
      const lines = content.toString().split('\n').length - 1;
      for (; seen < lines; seen++) latencies.push(now - sentAt[seen]!);
      await sleep(5);
    }
  })();

  const started = performance.now();
  for (let line = 0; performance.now() - started < CONFIG.steadyMs; line++) {
    sentAt.push(performance.now());
    source.push(`${String(line).padStart(6, '0')} compiling src/module-${line}.ts ... ok\n`);
    await sleep(20 + Math.random() * 180);
  }
  const steadyMs = performance.now() - started;
  // The last line's append goes out within a flush interval; then nothing should.
  await sleep(DEFAULT_FLUSH_INTERVAL_MS + 500);
  const steadyAppends = appends.count();
  await sleep(CONFIG.silenceMs);
  const silentAppends = appends.count() - steadyAppends;
  source.push(null);
  await done;
  await sleep(200);
  polling = false;
  await poll;
  (client as unknown as { agent: { destroy(): void } }).agent.destroy();

  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const perMinute = (steadyAppends / steadyMs) * 60_000;
  const lines = `${sentAt.length} lines over ${(steadyMs / 1000).toFixed(0)} s, ${latencies.length} read back`;
  return [
    figure({
      figure: 'line-to-readable latency p99, default flushIntervalMs 1000',
      baseline: 'flushIntervalMs + 100 ms',
      value: latencies.length === sentAt.length ? p99 : Number.NaN,
      unit: 'ms',
      comparison: '<=',
      goal: DEFAULT_FLUSH_INTERVAL_MS + 100,
      detail: `p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms; ${lines}; GetObject polled every 5 ms`,
    }),
    figure({
      figure: 'append requests per minute of steady logging',
      baseline: 'one per flush interval',
      value: perMinute,
      unit: '/min',
      comparison: '<=',
      goal: 60_000 / DEFAULT_FLUSH_INTERVAL_MS,
      detail: `${steadyAppends} appends for ${lines}`,
    }),
    figure({
      figure: `append requests during ${CONFIG.silenceMs / 1000} s of silence`,
      baseline: 'none',
      value: silentAppends,
      unit: 'requests',
      comparison: '<=',
      goal: 0,
      detail: `${silentAppends} requests while the source said nothing`,
    }),
  ];
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

async function throughput(serverOptions: OSS.Options): Promise<Figure> {
  const client = createOssClient(serverOptions);
  const mib = CONFIG.throughputBytes / MiB;
  let run = 0;
  const cpu = { put: [] as number[], append: [] as number[] };
  const timed = async (side: 'put' | 'append', upload: (key: string) => Promise<unknown>): Promise<number> => {
    const key = `throughput-${run++}.bin`;
    globalThis.gc?.();
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await upload(key);
    const ms = performance.now() - start;
    const { user, system } = process.cpuUsage(cpuStart);
    cpu[side].push((user + system) / 1000 / mib);
    const stored = Number(((await client.head(key)).res.headers as Record<string, string>)['content-length']);
    if (stored !== CONFIG.throughputBytes) throw new Error(`${key}: stored ${stored} bytes of ${CONFIG.throughputBytes}`);
    // The server keeps objects in memory.
    await client.delete(key);
    return ms;
  };
  const put = (): Promise<number> => timed('put', (key) => client.putStream(key, fastSource(CONFIG.throughputBytes)));
  const append = (): Promise<number> =>
    timed('append', (key) => appendStream(client, key, fastSource(CONFIG.throughputBytes), { retry: GIVE_UP }));
  // Untimed: the first of each opens sockets and compiles the hot paths.
  await put();
  await append();
  cpu.put.length = cpu.append.length = 0;
  const ratios: number[] = [];
  const times = { put: [] as number[], append: [] as number[] };
  for (let round = 0; round < CONFIG.throughputRounds; round++) {
    // A B B A B A A B: a trend within the round falls on both sides alike.
    const sums = { put: 0, append: 0 };
    for (const side of ['put', 'append', 'append', 'put', 'append', 'put', 'put', 'append'] as const) {
      const ms = await (side === 'put' ? put() : append());
      times[side].push(ms);
      sums[side] += ms;
    }
    ratios.push(sums.put / sums.append);
  }
  (client as unknown as { agent: { destroy(): void } }).agent.destroy();
  const mibPerS = (ms: number): string => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
  return figure({
    figure: `throughput of ${mib} MiB through appendStream (default 1 MiB appends)`,
    baseline: 'one putStream of it',
    value: median(ratios),
    unit: 'x',
    comparison: '>=',
    goal: 0.8,
    detail:
      `putStream ${mibPerS(median(times.put))}, appendStream ${mibPerS(median(times.append))} ` +
      `(${mib} appends each); round ratios ${ratios.map((r) => r.toFixed(3)).join(' ')}; client CPU per MiB: ` +
      `putStream ${median(cpu.put).toFixed(1)} ms, appendStream ${median(cpu.append).toFixed(1)} ms (MD5 and CRC-64 of every byte)`,
  });
}

/** A TCP proxy to the server that can play unreachable: while down, it resets every connection. */
async function startSwitchableProxy(target: string): Promise<{ endpoint: string; down(): void; up(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let reachable = true;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (!reachable) return void client.resetAndDestroy();
    const upstream = connect(Number(port), hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    down() {
      reachable = false;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    up() {
      reachable = true;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function outageMemory(serverOptions: OSS.Options & { endpoint?: string }): Promise<Figure> {
  const proxy = await startSwitchableProxy(serverOptions.endpoint!);
  const client = createOssClient({ ...serverOptions, endpoint: proxy.endpoint });
  const source = fastSource();
  const key = `outage-${Date.now()}.log`;
  // What maxBufferedBytes bounds: the bytes held, which live in ArrayBuffers.
  const retained = (): number => {
    globalThis.gc?.();
    return process.memoryUsage().arrayBuffers;
  };
  const before = { rss: process.memoryUsage.rss(), retained: retained() };
  const done = appendStream(client, key, source, { retry: { attempts: Infinity, maxDelayMs: 1000 } });
  // Flowing at full speed first, as a busy build's log does when the network goes.
  await sleep(3000);
  const beforeOutage = process.memoryUsage.rss();
  proxy.down();
  let peak = beforeOutage;
  const outageStart = performance.now();
  while (performance.now() - outageStart < CONFIG.outageMs) {
    await sleep(100);
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  const producedDuringOutage = source.produced;
  const retainedInOutage = retained() - before.retained;
  proxy.up();
  await sleep(3000);
  source.stop();
  const result = await done;
  const headers = (await client.head(key)).res.headers as Record<string, string>;
  const exact = Number(headers['content-length']) === source.produced && result.bytes === source.produced;
  await client.delete(key);
  (client as unknown as { agent: { destroy(): void } }).agent.destroy();
  await proxy.close();
  return figure({
    figure: `RSS growth while OSS is unreachable for ${CONFIG.outageMs / 1000} s, fast source`,
    baseline: 'maxBufferedBytes + 16 MiB',
    value: exact ? peak - beforeOutage : Number.NaN,
    unit: 'B',
    comparison: '<=',
    goal: DEFAULT_MAX_BUFFERED_BYTES + 16 * MiB,
    detail:
      `RSS before the stream ${(before.rss / MiB).toFixed(1)} MiB, when the outage began ${(beforeOutage / MiB).toFixed(1)} MiB ` +
      `(a source producing 100+ MiB/s of fresh chunks), peak during it ${(peak / MiB).toFixed(1)} MiB; ` +
      `after a gc late in the outage, ArrayBuffers held ${(retainedInOutage / MiB).toFixed(1)} MiB more than ` +
      `before the stream (crc64-ecma182.js's fixed 16 MiB heap, loaded by the first appendStream, included); the source had produced ` +
      `${(producedDuringOutage / MiB).toFixed(0)} MiB by the end of the outage and ${(source.produced / MiB).toFixed(0)} MiB in all; ` +
      `stored ${exact ? 'exactly that' : 'NOT that'} in ${result.appends} appends with ${result.retries} retries`,
  });
}

const figures: Figure[] = [];
const server = await startLocalOssProcess(60_000);
try {
  const options = server.clientOptions as OSS.Options & { endpoint?: string };
  for (const [name, measure] of [
    // First, in a fresh process: its figure counts memory from before the stream started.
    ['outage memory', async () => [await outageMemory(options)]],
    ['latency and requests', () => latencyAndRequests(options)],
    ['throughput', async () => [await throughput(options)]],
  ] as const) {
    const started = Date.now();
    process.stderr.write(`bench: ${name}...`);
    try {
      figures.push(...(await measure()));
    } catch (error) {
      figures.push(figure({ figure: name, baseline: '-', value: Number.NaN, unit: 'x', comparison: '<=', goal: 0, detail: String(error) }));
    }
    process.stderr.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
} finally {
  await server.close();
  await build.remove();
}

const machine = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version };
console.log(`\n${formatTable(figures)}\n`);
console.log(`${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, ${mode} run of the package as built by tsup`);
console.log(`${figures.filter((row) => row.pass).length} of ${figures.length} goals met`);
const results = { date: new Date().toISOString(), mode, machine, figures };
const tmp = new URL('./append-results.json.tmp', import.meta.url);
await writeFile(tmp, `${JSON.stringify(results, null, 2)}\n`);
await rename(tmp, new URL('./append-results.json', import.meta.url));
