/**
 * A live build log, both sides: appendStream writing it (how soon a line is stored, how many appends) and
 * followLog reading it on another client (how soon a line is printed, what a poll costs while the log is
 * silent). Through ali-oss to startLocalOss in a process of its own; the followers' requests go through a
 * counting proxy in that process (counting-proxy.ts), which notes the body bytes of every answer.
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Oss from '../src/oss/index.js';
import type { ProxiedRequest } from './counting-proxy.js';
import { load, median, type Figure } from './harness.js';
import { GIVE_UP, OSS_IDLE_LIMIT_MS, storedLength, withServer } from './uploads.js';

/** The p-th percentile, nearest rank: with fewer than 100 values, p99 is the largest. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;

/** A follower and when each of its lines was printed (came out of the stream), in performance.now() time. */
interface Printer {
  stream: Oss.LogFollower;
  printedAt: number[];
  error: unknown;
}

function printer(stream: Oss.LogFollower): Printer {
  const watched: Printer = { stream, printedAt: [], error: undefined };
  stream.on('data', (chunk: Buffer) => {
    const now = performance.now();
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) watched.printedAt.push(now);
  });
  stream.on('error', (error) => (watched.error = error));
  return watched;
}

/** Waits until `done()` holds, checking every 10 ms, at most `limitMs`; whether it held. */
async function until(done: () => boolean, limitMs: number): Promise<boolean> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > limitMs) return false;
    await sleep(10);
  }
  return true;
}

/** What a follower's requests in a window were: the ranged GETs that found nothing new, marker reads, others. */
function classify(requests: readonly ProxiedRequest[], objectBytes: number) {
  const emptyGets: ProxiedRequest[] = [];
  const markerReads: ProxiedRequest[] = [];
  const others: ProxiedRequest[] = [];
  for (const request of requests) {
    const query = new URL(request.url, 'http://local').searchParams;
    const from = /^bytes=(\d+)-/.exec(request.range ?? '')?.[1];
    if (request.method === 'GET' && query.has('tagging')) markerReads.push(request);
    // A GET from the log's last byte: the log was this long all along, so the poll found nothing new.
    else if (request.method === 'GET' && from !== undefined && Number(from) === objectBytes - 1) emptyGets.push(request);
    else others.push(request);
  }
  return { emptyGets, markerReads, others };
}

const bodyBytes = (requests: readonly ProxiedRequest[]): number => requests.reduce((sum, r) => sum + r.responseBodyBytes, 0);

export interface LatencyConfig {
  /** How long lines come, at random intervals of 20 to 200 ms. */
  steadyMs: number;
  /** How long the source then says nothing. */
  silenceMs: number;
}

/**
 * The silence window holds as many polls of the fast follower as 60 s holds at the default pollIntervalMs:
 * its pollIntervalMs is silenceMs / 60, and its goal 60 + 1 requests.
 */
const POLLS_PER_SILENCE = 60;

/**
 * Followers at the default pollIntervalMs, started evenly spread over one poll interval: how long a line waits for
 * a poll depends on where the follower's polls fall against the writer's appends, and that drifts only slowly.
 */
const PHASES = 4;

/**
 * A build log with default options: numbered lines for `steadyMs`, then `silenceMs` of silence. A reader polls
 * GetObject and notes when each line first comes back; followers (followLog at the default pollIntervalMs, each on
 * a client of its own, started at `PHASES` phases of the poll interval) note when they print each line. The
 * writer's onProgress notes when each append landed, the server counts appends in the silence. In the silence,
 * those followers and one polling `POLLS_PER_SILENCE` times as often (started once the lines stopped) are counted
 * at proxies: their requests, and the body bytes of each poll that found nothing new.
 */
export async function latencyGroup({ steadyMs, silenceMs }: LatencyConfig): Promise<Figure[]> {
  const { appendStream, createOssClient, followLog, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_POLL_INTERVAL_MS } =
    await load<typeof Oss>('oss/index');
  return withServer(OSS_IDLE_LIMIT_MS, async (server) => {
    const key = 'build.log';
    const fastPollMs = Math.round(silenceMs / POLLS_PER_SILENCE);
    // The followers are there before the log: their first polls find no object, as viewers of a build's page.
    const followers: Printer[] = [];
    for (let phase = 0; phase < PHASES; phase++) {
      if (phase > 0) await sleep(DEFAULT_POLL_INTERVAL_MS / PHASES);
      followers.push(printer(followLog(createOssClient(await server.proxy(`default-${phase}`)), key)));
    }
    const source = new Readable({ read() {} });
    const appendedAt: number[] = [];
    const done = appendStream(createOssClient(server.clientOptions), key, source, {
      retry: GIVE_UP,
      onProgress: ({ appends }) => {
        while (appendedAt.length < appends) appendedAt.push(performance.now());
      },
    });
    const reader = createOssClient(server.clientOptions);
    const sentAt: number[] = [];
    const latencies: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const content = await reader.get(key).then(
          (result) => result.content as Buffer,
          () => Buffer.alloc(0),
        );
        const now = performance.now();
        const lines = content.toString().split('\n').length - 1;
        while (latencies.length < lines) latencies.push(now - sentAt[latencies.length]!);
        await sleep(5);
      }
    })();

    let bytes = 0;
    const started = performance.now();
    for (let line = 0; performance.now() - started < steadyMs; line++) {
      const text = `${String(line).padStart(6, '0')} compiling src/module-${line}.ts ... ok\n`;
      sentAt.push(performance.now());
      source.push(text);
      bytes += text.length;
      await sleep(20 + Math.random() * 180);
    }
    const steadyMsMeasured = performance.now() - started;
    // Started now, it reads the log so far in one GET, and is then as caught up as the others.
    const fast = printer(followLog(createOssClient(await server.proxy('fast')), key, { pollIntervalMs: fastPollMs }));
    const all = [...followers, fast];
    // The last line's append goes out within a flush interval; after it, nothing should.
    await sleep(DEFAULT_FLUSH_INTERVAL_MS + 500);
    // The silence window opens once every follower has every line: from then on, every poll finds nothing new.
    const caughtUp = await until(() => all.every((f) => f.stream.position === bytes), DEFAULT_POLL_INTERVAL_MS + 2000);
    const names = [...followers.keys()].map((phase) => `default-${phase}`);
    const proxied = (): Promise<ProxiedRequest[][]> => Promise.all([...names, 'fast'].map((name) => server.proxiedRequests(name)));
    const steadyAppends = (await server.stats()).stats.appends;
    const before = await proxied();
    const windowStart = performance.now();
    await sleep(silenceMs);
    const silentAppends = (await server.stats()).stats.appends - steadyAppends;
    const after = await proxied();
    const windowMs = performance.now() - windowStart;
    source.push(null);
    const { retries } = await done;
    await sleep(200);
    polling = false;
    await poll;
    for (const follower of all) follower.stream.destroy();

    const complete = latencies.length === sentAt.length;
    const lines = `${sentAt.length} lines over ${(steadyMsMeasured / 1000).toFixed(0)} s, ${latencies.length} read back, ${retries} retries`;
    const latency = (p: number, goal?: Figure['goal']): Figure => ({
      figure: `line-to-readable latency p${p}, default flushIntervalMs ${DEFAULT_FLUSH_INTERVAL_MS}`,
      baseline: goal ? 'flushIntervalMs + 100 ms' : '-',
      value: complete ? percentile(latencies, p) : Number.NaN,
      unit: 'ms',
      ...(goal && { goal }),
      detail: `max ${Math.max(...latencies).toFixed(0)} ms; ${lines}; GetObject polled every 5 ms`,
    });

    // Appends per minute: those that landed within the steady phase's first steadyMs, from its first line on.
    const inWindow = appendedAt.filter((at) => at - started <= steadyMs).length;
    const spacing = appendedAt.slice(1).map((at, i) => at - appendedAt[i]!);
    const perMinute: Figure = {
      figure:
        steadyMs === 60_000
          ? 'append requests in a minute of steady logging'
          : `append requests per minute of steady logging (scaled from ${steadyMs / 1000} s)`,
      baseline: 'one per flush interval',
      value: (inWindow / steadyMs) * 60_000,
      unit: '/min',
      goal: { comparison: '<=', value: 60_000 / DEFAULT_FLUSH_INTERVAL_MS },
      detail:
        `${inWindow} appends landed (as onProgress saw them) within ${steadyMs / 1000} s of the first line; ` +
        `${steadyAppends} in all for ${lines}, the last after the lines stopped; ` +
        `time between their confirmations (each with its own round trip): min ${ms(Math.min(...spacing))}, median ${ms(median(spacing))}`,
    };

    // Line to printed: each follower's lines, in order, against when each was pushed.
    const printed = followers.map((follower) => follower.printedAt.map((at, line) => at - sentAt[line]!));
    const failed = all.find((follower) => follower.error !== undefined);
    const printedAll = printed.every((one) => one.length === sentAt.length) && failed === undefined;
    const steadyRequests = before.slice(0, PHASES).flat();
    const trouble =
      failed !== undefined
        ? `; a follower failed: ${String(failed.error)}`
        : caughtUp
          ? ''
          : '; the followers had not caught up when the silence began';
    const followLatency = (p: number, goal?: Figure['goal']): Figure => ({
      figure: `line-to-printed latency p${p}, followLog on another client, default pollIntervalMs ${DEFAULT_POLL_INTERVAL_MS}`,
      baseline: goal ? 'flushIntervalMs + pollIntervalMs + 100 ms' : '-',
      value: printedAll ? percentile(printed.flat(), p) : Number.NaN,
      unit: 'ms',
      ...(goal && { goal }),
      detail:
        `${PHASES} followers started ${DEFAULT_POLL_INTERVAL_MS / PHASES} ms apart, p${p} of each ` +
        `${printed.map((one) => ms(percentile(one, p))).join(', ')}; max ${ms(Math.max(...printed.flat()))}; ` +
        `${printed.map((one) => one.length).join(', ')} of ${sentAt.length} lines printed; their requests until the ` +
        `silence: ${steadyRequests.length} (${steadyRequests.filter((r) => r.url.includes('tagging')).length} marker ` +
        `reads, the rest ranged GETs)${trouble}`,
    });

    // The silence: every request of every follower in the window, sorted by kind.
    const polls = after.map((requests, i) => classify(requests.slice(before[i]!.length), bytes));
    const emptyGets = polls.flatMap((p) => p.emptyGets);
    const markerReads = polls.flatMap((p) => p.markerReads);
    const others = polls.flatMap((p) => p.others);
    const silentOk = caughtUp && failed === undefined && others.length === 0;
    const sizes = (requests: readonly ProxiedRequest[]): string =>
      [...new Set(requests.map((r) => `${r.status} with ${r.responseBodyBytes} B`))].join(', ') || 'none';
    const windowText = `a ${(windowMs / 1000).toFixed(1)} s window of silence, every follower caught up`;
    const pollCounts = (one: ReturnType<typeof classify>): string => `${one.emptyGets.length} GETs + ${one.markerReads.length} marker reads`;
    const unexpected = others.length > 0 ? `; ${others.length} requests found new bytes or were not polls` : '';
    const fastPolls = polls[PHASES]!;
    const slowCounts = polls.slice(0, PHASES).map((one) => one.emptyGets.length + one.markerReads.length + one.others.length);
    return [
      latency(50),
      latency(99, { comparison: '<=', value: DEFAULT_FLUSH_INTERVAL_MS + 100 }),
      perMinute,
      {
        figure: `append requests during ${silenceMs / 1000} s of silence`,
        baseline: 'none',
        value: silentAppends,
        unit: 'requests',
        goal: { comparison: '<=', value: 0 },
        detail: `${silentAppends} appends while the source said nothing`,
      },
      followLatency(50),
      followLatency(99, { comparison: '<=', value: DEFAULT_FLUSH_INTERVAL_MS + DEFAULT_POLL_INTERVAL_MS + 100 }),
      {
        figure: 'body bytes per follower poll that finds nothing new (a ranged GET re-reading the last byte)',
        baseline: 'the one byte re-read',
        value: silentOk && emptyGets.length > 0 ? bodyBytes(emptyGets) / emptyGets.length : Number.NaN,
        unit: 'B',
        goal: { comparison: '<=', value: 1 },
        detail:
          `${emptyGets.length} such GETs moved ${bodyBytes(emptyGets)} body bytes (answers: ${sizes(emptyGets)}), ` +
          `counted at proxies in the server's process, in ${windowText} (${PHASES} followers at pollIntervalMs ` +
          `${DEFAULT_POLL_INTERVAL_MS}, one at ${fastPollMs})${unexpected}${trouble}`,
      },
      {
        figure: 'same, every poll that finds nothing new, marker reads (GetObjectTagging) included',
        baseline: '-',
        value: silentOk ? bodyBytes([...emptyGets, ...markerReads]) / (emptyGets.length + markerReads.length) : Number.NaN,
        unit: 'B',
        detail:
          `${markerReads.length} marker reads of ${emptyGets.length + markerReads.length} silent polls, ` +
          `${markerReads.length > 0 ? (bodyBytes(markerReads) / markerReads.length).toFixed(0) : '-'} B of XML each ` +
          `(answers: ${sizes(markerReads)})`,
      },
      {
        figure:
          `follower requests during a ${silenceMs / 1000} s silence at pollIntervalMs ${fastPollMs} ` +
          `(scaled: as many polls as 60 s at ${DEFAULT_POLL_INTERVAL_MS})`,
        baseline: 'silence / pollIntervalMs + 1',
        value: silentOk ? after[PHASES]!.length - before[PHASES]!.length : Number.NaN,
        unit: 'requests',
        goal: { comparison: '<=', value: silenceMs / fastPollMs + 1 },
        detail: `${pollCounts(fastPolls)} in ${windowText}${unexpected}${trouble}`,
      },
      {
        figure: `same, the same ${silenceMs / 1000} s at the default pollIntervalMs ${DEFAULT_POLL_INTERVAL_MS} (most of ${PHASES} followers)`,
        baseline: 'silence / pollIntervalMs + 1',
        value: silentOk ? Math.max(...slowCounts) : Number.NaN,
        unit: 'requests',
        goal: { comparison: '<=', value: silenceMs / DEFAULT_POLL_INTERVAL_MS + 1 },
        detail: `per follower: ${polls.slice(0, PHASES).map(pollCounts).join('; ')}${unexpected}${trouble}`,
      },
    ];
  });
}

export interface SilentLineConfig {
  /** Logs written at once, each by appendStream on a client of its own. */
  writers: number;
  /** Measured lines per log, each after `silenceMs` or more of silence. */
  lines: number;
  silenceMs: number;
}

/**
 * Lines after a silence, with default options: each of `writers` logs gets a first line (untimed: it creates
 * the object), then `lines` more, each at least `silenceMs` after the one before. The logs take turns, so one
 * line is measured at a time. After each line, another client sends HEADs back to back until the object holds
 * it; the writer's own confirmation (onProgress) goes to the detail.
 */
export async function silentLineGroup({ writers, lines, silenceMs }: SilentLineConfig): Promise<Figure[]> {
  const { appendStream, createOssClient, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_FREE_SOCKET_TIMEOUT_MS } =
    await load<typeof Oss>('oss/index');
  return withServer(OSS_IDLE_LIMIT_MS, async (server) => {
    const reader = createOssClient(server.clientOptions);
    const logs = Array.from({ length: writers }, (_, index) => {
      const source = new Readable({ read() {} });
      const log = {
        key: `silent-${index}.log`,
        source,
        pushed: 0,
        lastPushAt: -Infinity,
        /** [storedBytes, when], from onProgress. */
        progress: [] as [number, number][],
        done: undefined as unknown as Promise<unknown>,
      };
      log.done = appendStream(createOssClient(server.clientOptions), log.key, source, {
        retry: GIVE_UP,
        onProgress: ({ storedBytes }) => void log.progress.push([storedBytes, performance.now()]),
      });
      return log;
    });
    const samples: { pushedAt: number; readableMs: number; lastHeadMs: number; silentMs: number; log: (typeof logs)[number]; bytes: number }[] = [];
    // Each log's lines come `period` apart, the logs' turns spread evenly over it.
    const period = silenceMs + 500;
    const start = performance.now();
    for (let line = 0; line <= lines; line++) {
      for (const [index, log] of logs.entries()) {
        const due = Math.max(start + line * period + (index * period) / writers, log.lastPushAt + silenceMs);
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const text = `step ${line} of build ${index}: done in 5.2 s\n`;
        const pushedAt = performance.now();
        const silentMs = pushedAt - log.lastPushAt;
        log.source.push(text);
        log.pushed += text.length;
        log.lastPushAt = pushedAt;
        let lastHeadMs: number;
        for (;;) {
          const headStart = performance.now();
          // A log not yet created answers 404: nothing stored yet.
          const length = await storedLength(reader, log.key).catch(() => 0);
          lastHeadMs = performance.now() - headStart;
          if (length >= log.pushed) break;
          if (performance.now() - pushedAt > 10_000) throw new Error(`${log.key}: line ${line} not stored after 10 s`);
        }
        if (line > 0) samples.push({ pushedAt, readableMs: performance.now() - pushedAt, lastHeadMs, silentMs, log, bytes: log.pushed });
      }
    }
    for (const log of logs) log.source.push(null);
    await Promise.all(logs.map((log) => log.done));

    const readable = samples.map((sample) => sample.readableMs);
    const confirmed = samples.map(({ log, bytes, pushedAt }) => (log.progress.find(([stored]) => stored >= bytes)?.[1] ?? Number.NaN) - pushedAt);
    const detail =
      `${samples.length} lines on ${writers} logs (a client each), each after ${(Math.min(...samples.map((s) => s.silentMs)) / 1000).toFixed(2)} s ` +
      `or more of silence (longer than freeSocketTimeoutMs ${DEFAULT_FREE_SOCKET_TIMEOUT_MS}); one line at a time, ` +
      `${(period / writers).toFixed(0)} ms apart. Readable: HEADs back to back from another client, each ` +
      `${median(samples.map((s) => s.lastHeadMs)).toFixed(1)} ms (median), the resolution. The writer's own confirmation ` +
      `(onProgress): p50 ${ms(percentile(confirmed, 50))}, p99 ${ms(percentile(confirmed, 99))}; readable max ${ms(Math.max(...readable))}`;
    const row = (p: number, goal?: Figure['goal']): Figure => ({
      figure: `line after ${silenceMs / 1000} s or more of silence to readable (HEAD), p${p}, default flushIntervalMs ${DEFAULT_FLUSH_INTERVAL_MS}`,
      baseline: '-',
      value: percentile(readable, p),
      unit: 'ms',
      ...(goal && { goal }),
      detail: p === 99 && samples.length < 100 ? `${samples.length} lines: p99 is the largest; ${detail}` : detail,
    });
    return [row(50, { comparison: '<=', value: 50 }), row(99)];
  });
}
