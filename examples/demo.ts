/**
 * `npm run demo`: the problem and its fix, on an embedded local OSS server (no credentials).
 *
 * Scene 1: a simulated build streams its log while one step stays silent for longer than the server's idle
 * limit. The log goes up twice: first as the seed did before the fix (plain ali-oss putStream), then with
 * heartbeat-readable. Scene 2: a proxy in front of the same server resets every connection every few seconds
 * during a second build; its log goes up three ways at once (plain putStream, putStreamWithHeartbeat,
 * appendStream), and a follower (followLog, as heartbeat-tail runs it) prints the append-mode log while the build
 * writes it, and ends when appendStream marks it complete. Exits 0 only if both streamed uploads failed where
 * expected, the fixes stored the whole log, and the follower printed it byte for byte. Pass --silence-ms,
 * --idle-limit-ms and --reset-every-ms to shorten it, and --heartbeat-after-ms (default: half the limit) to
 * keep a loaded machine's late timers clear of a short limit (the tests do).
 */
import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import OSS from 'ali-oss';
import { appendStream, createOssClient, explainUploadError, followLog, putStreamWithHeartbeat, type FollowLogError } from 'heartbeat-readable/oss';
import { startLocalOss } from 'heartbeat-readable/testing';

// urllib reports a request that fails twice (an error, then the closed socket) with a stack dump on stderr;
// the table below says what happened, once.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => void (String(args[0]).startsWith('[urllib:warn]') || warn(...args));

const { values } = parseArgs({
  options: {
    'silence-ms': { type: 'string', default: '10000' },
    'idle-limit-ms': { type: 'string', default: '3000' },
    'reset-every-ms': { type: 'string', default: '2000' },
    'heartbeat-after-ms': { type: 'string' },
  },
});
const silenceMs = Number(values['silence-ms']);
const idleLimitMs = Number(values['idle-limit-ms']);
const resetEveryMs = Number(values['reset-every-ms']);
const heartbeat = {
  idleLimitMs,
  ...(values['heartbeat-after-ms'] !== undefined && { heartbeatAfterMs: Number(values['heartbeat-after-ms']) }),
};

const compiling = Buffer.from('[2/3] 编译 compile: 正在编译 142 个文件…\n');
// The compiler printed half of its last character, then went silent: a filler must not land inside it.
const cut = compiling.length - 2;
const LOG: Array<Buffer | number> = [
  Buffer.from('[1/3] 安装依赖 install: npm ci\nadded 214 packages in 3s\n'),
  compiling.subarray(0, cut),
  silenceMs,
  compiling.subarray(cut),
  Buffer.from('[2/3] 编译完成 compiled 142 files ✓\n[3/3] 测试 test: 87 passed, 0 failed\nBUILD SUCCESSFUL 构建成功\n'),
];
const EXPECTED = Buffer.concat(LOG.filter((part): part is Buffer => typeof part !== 'number'));

/** The whole log, valid UTF-8, with fillers (spaces) in one run only: where the build was silent. */
function isWholeLog(stored: Buffer): boolean {
  let same = 0;
  while (same < EXPECTED.length && stored[same] === EXPECTED[same]) same++;
  const fillers = stored.length - EXPECTED.length;
  return (
    fillers >= 0 &&
    stored.subarray(same, same + fillers).every((byte) => byte === 0x20) &&
    stored.subarray(same + fillers).equals(EXPECTED.subarray(same)) &&
    isUtf8(stored)
  );
}

/** The build: log chunks as a child process would print them, with a silent step in between. */
async function* build(): AsyncGenerator<Buffer> {
  for (const part of LOG) {
    if (typeof part === 'number') await sleep(part);
    else yield part;
  }
}

interface Outcome {
  upload: string;
  result: string;
  seconds: string;
  stored: string;
  diagnosis: string;
  ok: boolean;
}

const local = await startLocalOss({ idleLimitMs });
console.log(
  `Local OSS at ${local.endpoint} ends a request whose body is silent for ${idleLimitMs / 1000} s ` +
    `(real OSS: about 60 s, scaled down here). The build below is silent for ${silenceMs / 1000} s in step 2.\n`,
);

async function attempt(
  upload: string,
  key: string,
  run: () => Promise<string>,
  expectFailure: boolean,
  intact: (stored: Buffer) => boolean = isWholeLog,
  intactWord = 'log intact',
): Promise<Outcome> {
  const started = Date.now();
  let result: string;
  let diagnosis = '';
  let failed = false;
  try {
    result = await run();
  } catch (error) {
    failed = true;
    const explanation = explainUploadError(error);
    const { name = 'Error', message = '' } = error as Partial<Error>;
    result = `failed: ${name}: ${message.split(',')[0]}`;
    diagnosis = `${explanation.kind}: ${explanation.message}`;
  }
  const object = local.getObject(key);
  const whole = object !== undefined && intact(object);
  return {
    upload,
    result,
    seconds: ((Date.now() - started) / 1000).toFixed(1),
    stored: object === undefined ? 'nothing' : `${object.length} bytes${whole ? `, ${intactWord}` : ', log DAMAGED'}`,
    diagnosis,
    ok: expectFailure ? failed && object === undefined : !failed && whole,
  };
}

const before = await attempt(
  'plain ali-oss putStream (the seed, before the fix)',
  'logs/build-before.log',
  async () => {
    const client = new OSS(local.clientOptions());
    const source = Readable.from(build(), { objectMode: false });
    try {
      await client.putStream('logs/build-before.log', source);
      return 'stored';
    } finally {
      source.destroy();
    }
  },
  true,
);

const after = await attempt(
  'heartbeat-readable putStreamWithHeartbeat',
  'logs/build-after.log',
  async () => {
    const client = createOssClient(local.clientOptions());
    const { heartbeats, dataBytes, res } = await putStreamWithHeartbeat(client, 'logs/build-after.log', build(), {
      heartbeat,
    });
    (client as unknown as { agent: { destroy(): void } }).agent.destroy();
    return `stored (HTTP ${res.status}): ${dataBytes} log bytes + ${heartbeats} heartbeats`;
  },
  false,
);

const columns: Array<[string, keyof Outcome]> = [
  ['upload', 'upload'],
  ['result', 'result'],
  ['time (s)', 'seconds'],
  ['stored object', 'stored'],
];

function printTable(outcomes: Outcome[]): void {
  const rows = [columns.map(([title]) => title), ...outcomes.map((outcome) => columns.map(([, key]) => String(outcome[key])))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
}

printTable([before, after]);
if (before.diagnosis) console.log(`\nWhy the plain upload failed (explainUploadError): ${before.diagnosis}`);
if (after.diagnosis) console.log(`\nWhy the heartbeat upload failed (explainUploadError): ${after.diagnosis}`);

// Scene 2 ------------------------------------------------------------------------------------------------

/**
 * A TCP proxy to `target` that resets every open connection every `everyMs`, and then the connection of the
 * first answer that comes back, so that answer is lost although the server acted on the request: a flaky
 * network or a load balancer that drops connections, which no heartbeat prevents.
 */
async function startResettingProxy(target: string, everyMs: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let loseNextAnswer = false;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.on('data', (answer: Buffer) => {
      if (!loseNextAnswer) return void client.write(answer);
      loseNextAnswer = false;
      client.resetAndDestroy();
    });
    upstream.once('end', () => client.end());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  const timer = setInterval(() => {
    for (const socket of sockets) socket.resetAndDestroy();
    loseNextAnswer = true;
  }, everyMs);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

// Lines come faster than the server's idle limit: what ends the streamed uploads is the reset, not silence.
const LINE_GAP_MS = Math.min(resetEveryMs / 4, idleLimitMs / 3);
const LINES = Array.from({ length: 12 }, (_, i) => {
  const step = String(i + 1).padStart(2, '0');
  return Buffer.from(i < 11 ? `[${step}/12] 测试 test: shard ${i + 1} of 11 passed ✓\n` : `[12/12] BUILD SUCCESSFUL 构建成功\n`);
});
const FLAKY_LOG = Buffer.concat(LINES);

async function* flakyBuild(): AsyncGenerator<Buffer> {
  for (const line of LINES) {
    await sleep(LINE_GAP_MS);
    yield line;
  }
}

console.log(
  `\nScene 2: a proxy in front of the same server resets every connection every ${resetEveryMs / 1000} s (and loses ` +
    `the next answer with its connection), during a ${((LINES.length * LINE_GAP_MS) / 1000).toFixed(1)} s build ` +
    'whose log goes up three ways at once. A follower (followLog) prints the append-mode log as it lands.\n',
);
const proxy = await startResettingProxy(local.endpoint, resetEveryMs);
const viaProxy = { ...local.clientOptions(), endpoint: proxy.endpoint };
const KEYS = { plain: 'logs/flaky-plain.log', heartbeat: 'logs/flaky-heartbeat.log', append: 'logs/flaky-append.log' };
const agents: Array<{ destroy(): void }> = [];
const clientViaProxy = (): OSS => {
  const client = createOssClient(viaProxy);
  agents.push((client as unknown as { agent: { destroy(): void } }).agent);
  return client;
};

/**
 * A follower elsewhere (its own client, straight to OSS) prints the append-mode log line by line as it lands, as
 * heartbeat-tail does, and ends once appendStream marks the log complete. Resolves with what it printed, or why
 * it stopped; `giveUpAfterMs` keeps a demo that went wrong from waiting for ever.
 */
async function follow(): Promise<{ printed: Buffer; firstLineAt: number; streamedAtFirstLine: number; failure?: string }> {
  const chunks: Buffer[] = [];
  let firstLineAt = 0;
  let streamedAtFirstLine = 0;
  let line = Buffer.alloc(0);
  const client = createOssClient(local.clientOptions());
  agents.push((client as unknown as { agent: { destroy(): void } }).agent);
  const giveUpAfterMs = 10 * resetEveryMs + idleLimitMs;
  try {
    for await (const chunk of followLog(client, KEYS.append, { pollIntervalMs: LINE_GAP_MS / 2, giveUpAfterMs })) {
      if (chunks.length === 0) {
        firstLineAt = Date.now();
        streamedAtFirstLine = [KEYS.plain, KEYS.heartbeat].filter((key) => local.getObject(key) !== undefined).length;
      }
      chunks.push(chunk as Buffer);
      line = Buffer.concat([line, chunk as Buffer]);
      for (let end = line.indexOf(0x0a); end !== -1; end = line.indexOf(0x0a)) {
        console.log(`  followLog │ ${line.subarray(0, end).toString()}`);
        line = line.subarray(end + 1);
      }
    }
    return { printed: Buffer.concat(chunks), firstLineAt, streamedAtFirstLine };
  } catch (error) {
    return { printed: Buffer.concat(chunks), firstLineAt, streamedAtFirstLine, failure: (error as FollowLogError).message };
  }
}
const following = follow();
/** When appendStream resolved: the build had ended, and its log was marked complete. */
let appendedAt = 0;

const isFlakyLog = (stored: Buffer): boolean => stored.equals(FLAKY_LOG);
const flaky = await Promise.all([
  attempt(
    'plain ali-oss putStream',
    KEYS.plain,
    async () => {
      const source = Readable.from(flakyBuild(), { objectMode: false });
      try {
        await new OSS(viaProxy).putStream(KEYS.plain, source);
        return 'stored';
      } finally {
        source.destroy();
      }
    },
    true,
    isFlakyLog,
    'byte for byte',
  ),
  attempt(
    'heartbeat-readable putStreamWithHeartbeat',
    KEYS.heartbeat,
    async () => {
      const { heartbeats, dataBytes } = await putStreamWithHeartbeat(clientViaProxy(), KEYS.heartbeat, flakyBuild(), {
        heartbeat,
      });
      return `stored: ${dataBytes} log bytes + ${heartbeats} heartbeats`;
    },
    true,
    isFlakyLog,
    'byte for byte',
  ),
  attempt(
    'heartbeat-readable appendStream',
    KEYS.append,
    async () => {
      const { bytes, appends, retries } = await appendStream(clientViaProxy(), KEYS.append, flakyBuild(), {
        flushIntervalMs: LINE_GAP_MS * 2,
        retry: { minDelayMs: 50 },
      });
      appendedAt = Date.now();
      return `stored: ${bytes} bytes in ${appends} appends, ${retries} retries`;
    },
    false,
    isFlakyLog,
    'byte for byte',
  ),
]);
const followed = await following;
for (const agent of agents) agent.destroy();
await proxy.close();
await local.close();

const followedWhole = followed.failure === undefined && followed.printed.equals(FLAKY_LOG);
console.log(
  followed.failure === undefined
    ? `\n  The follower printed its first line ${((appendedAt - followed.firstLineAt) / 1000).toFixed(1)} s before appendStream ` +
        `resolved, and ended when appendStream marked the log complete: it printed ${followed.printed.length} bytes, ` +
        `${followedWhole ? "the build's log byte for byte" : 'NOT the build\'s log'}. When it printed its first line, the streamed uploads ` +
        `had stored ${followed.streamedAtFirstLine === 0 ? 'nothing: their object appears only when the upload completes' : 'something'}.\n`
    : `\n  The follower stopped after ${followed.printed.length} bytes: ${followed.failure}\n`,
);
printTable(flaky);

const verdict = before.ok && after.ok && flaky.every((outcome) => outcome.ok) && followedWhole;
console.log(
  verdict
    ? '\nAs expected: without heartbeats the server ended the silent upload and stored nothing; with them, the whole log was stored.' +
        '\nWith connections reset mid-build, both streamed uploads lost everything; append mode stored the whole log byte for byte,' +
        '\nand its follower printed it as it landed and ended with the build.'
    : '\nUNEXPECTED: see the tables above.',
);
process.exitCode = verdict ? 0 : 1;
