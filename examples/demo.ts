/**
 * `npm run demo`: the problem and its fix, on an embedded local OSS server (no credentials).
 *
 * A simulated build streams its log while one step stays silent for longer than the server's idle limit.
 * The log goes up twice: first as the seed did before the fix (plain ali-oss putStream), then with
 * heartbeat-readable. Exits 0 only if the plain upload failed as expected and the second one stored the
 * whole log. Pass --silence-ms and --idle-limit-ms to shorten it (the tests do).
 */
import { isUtf8 } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import OSS from 'ali-oss';
import { createOssClient, explainUploadError, putStreamWithHeartbeat } from 'heartbeat-readable/oss';
import { startLocalOss } from 'heartbeat-readable/testing';

// urllib reports a request that fails twice (an error, then the closed socket) with a stack dump on stderr;
// the table below says what happened, once.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => void (String(args[0]).startsWith('[urllib:warn]') || warn(...args));

const { values } = parseArgs({
  options: { 'silence-ms': { type: 'string', default: '10000' }, 'idle-limit-ms': { type: 'string', default: '3000' } },
});
const silenceMs = Number(values['silence-ms']);
const idleLimitMs = Number(values['idle-limit-ms']);

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

async function attempt(upload: string, key: string, run: () => Promise<string>, expectFailure: boolean): Promise<Outcome> {
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
  const intact = object !== undefined && isWholeLog(object);
  return {
    upload,
    result,
    seconds: ((Date.now() - started) / 1000).toFixed(1),
    stored: object === undefined ? 'nothing' : `${object.length} bytes${intact ? ', log intact' : ', log DAMAGED'}`,
    diagnosis,
    ok: expectFailure ? failed && object === undefined : !failed && intact,
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
      heartbeat: { idleLimitMs },
    });
    (client as unknown as { agent: { destroy(): void } }).agent.destroy();
    return `stored (HTTP ${res.status}): ${dataBytes} log bytes + ${heartbeats} heartbeats`;
  },
  false,
);

await local.close();

const columns: Array<[string, keyof Outcome]> = [
  ['upload', 'upload'],
  ['result', 'result'],
  ['time (s)', 'seconds'],
  ['stored object', 'stored'],
];
const rows = [columns.map(([title]) => title), ...[before, after].map((outcome) => columns.map(([, key]) => String(outcome[key])))];
const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
for (const [index, row] of rows.entries()) {
  console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
}
if (before.diagnosis) console.log(`\nWhy the plain upload failed (explainUploadError): ${before.diagnosis}`);
if (after.diagnosis) console.log(`\nWhy the heartbeat upload failed (explainUploadError): ${after.diagnosis}`);

const verdict = before.ok && after.ok;
console.log(
  verdict
    ? '\nAs expected: without heartbeats the server ended the silent upload and stored nothing; with them, the whole log was stored.'
    : '\nUNEXPECTED: see the table above.',
);
process.exitCode = verdict ? 0 : 1;
