import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { describe, expect, vi } from 'vitest';
import { appendStream, followLog, type FollowLogError, type LogFollower } from '../../../src/oss/index.js';
import type { LocalOss } from '../../../src/testing/index.js';
import { errorXml } from '../../../src/testing/local-oss/errors.js';
import { holds, ossEnv, runCli } from '../../support/cli.js';
import { closeServer, forwardRequest, listenOnLoopback, relayAnswer } from '../../support/forward.js';
import { itWithOss as it, muteUrllibWarnings, WAIT, type LocalOssKit } from '../../support/local-oss.js';

// Real ali-oss, a writer and a follower against startLocalOss, with small intervals: the whole path in real time.
muteUrllibWarnings();

const KEY = 'logs/build-9.log';
const FAST = { pollIntervalMs: 50 };

/** Collects what `follower` emits, and settles with 'end' or its error. */
function collect(follower: LogFollower): { text: () => string; settled: Promise<'end' | FollowLogError> } {
  const chunks: Buffer[] = [];
  follower.on('data', (chunk: Buffer) => chunks.push(chunk));
  const settled = new Promise<'end' | FollowLogError>((resolve) => {
    follower.once('end', () => resolve('end'));
    follower.once('error', resolve);
  });
  return { text: () => Buffer.concat(chunks).toString(), settled };
}

/** A proxy in front of `local` that changes some requests: `answer` returns true when it answered one itself. */
async function proxy(oss: LocalOssKit, local: LocalOss, change: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<string> {
  const upstream = new URL(local.endpoint);
  const server = createServer((req, res) => {
    if (change(req, res)) return;
    forwardRequest(upstream, req, (answer) => relayAnswer(answer, res)).on('error', () => res.destroy());
  });
  const endpoint = await listenOnLoopback(server);
  oss.defer(() => closeServer(server));
  return endpoint;
}

/** A writer: appendStream of lines pushed every 30 ms, then the end. */
function write(client: OSS, lines: string[], options = {}): { done: Promise<unknown>; source: Readable } {
  const source = new Readable({ read() {} });
  const done = appendStream(client, KEY, source, { flushIntervalMs: 50, ...options });
  void (async () => {
    for (const line of lines) {
      source.push(line);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    source.push(null);
  })();
  return { done, source };
}

const LINES = Array.from({ length: 20 }, (_, index) => `[${index}] compiling module ${index} 编译\n`);

describe.concurrent('followLog through real ali-oss against startLocalOss (real time, small intervals)', () => {
  it('prints the log while the build writes it, each byte once, and ends when the writer marks it complete', async ({ oss }) => {
    const local = await oss.start();
    // Started before the object exists: the build has not printed yet.
    const follower = collect(followLog(oss.heartbeatClient(local), KEY, FAST));
    const writer = write(oss.heartbeatClient(local), LINES);

    await expect(writer.done).resolves.toMatchObject({ complete: true });
    await expect(follower.settled).resolves.toBe('end');
    expect(follower.text()).toBe(LINES.join(''));
  });

  it('is exact behind a proxy that drops Range (every poll a 200 with the whole object)', async ({ oss }) => {
    const local = await oss.start();
    let dropped = 0;
    const endpoint = await proxy(oss, local, (req) => {
      if (req.headers.range !== undefined) dropped += 1;
      delete req.headers.range;
      return false;
    });
    const follower = collect(followLog(oss.heartbeatClient(local, { endpoint }), KEY, FAST));
    const writer = write(oss.heartbeatClient(local), LINES);

    await writer.done;
    await expect(follower.settled).resolves.toBe('end');
    expect(follower.text()).toBe(LINES.join(''));
    expect(dropped).toBeGreaterThan(0);
  });

  // it.for, not it.each: it hands the test its fixtures.
  it.for([
    ['deleted', (direct: OSS) => direct.delete(KEY), 'ERR_LOG_DELETED'],
    ['replaced by a shorter object', (direct: OSS) => direct.put(KEY, Buffer.from('short')), 'ERR_LOG_TRUNCATED'],
  ] as const)('errors, never ends, when the log is %s mid-follow', async ([, change, code], { oss }) => {
    const local = await oss.start();
    const direct = new OSS(local.clientOptions());
    const writer = write(oss.heartbeatClient(local), LINES.slice(0, 3), { markComplete: false });
    await writer.done;
    const follower = collect(followLog(oss.heartbeatClient(local), KEY, FAST));
    await vi.waitFor(() => expect(follower.text()).toBe(LINES.slice(0, 3).join('')), WAIT);
    await change(direct);
    await expect(follower.settled).resolves.toMatchObject({ code });
  });

  it('an aborted writer marks the log incomplete: followers stop at once with ERR_LOG_INCOMPLETE', async ({ oss }) => {
    const local = await oss.start();
    const controller = new AbortController();
    const source = new Readable({ read() {} });
    const writing = appendStream(oss.heartbeatClient(local), KEY, source, { flushIntervalMs: 50, signal: controller.signal });
    source.push('line 1\n');
    await holds(local, KEY, 'line 1\n')();
    const follower = collect(followLog(oss.heartbeatClient(local), KEY, FAST));
    await vi.waitFor(() => expect(follower.text()).toBe('line 1\n'), WAIT);
    controller.abort();
    await expect(writing).rejects.toMatchObject({ name: 'AbortError' });
    expect(local.getTags(KEY)).toEqual({ 'heartbeat-readable:state': 'incomplete' });
    await expect(follower.settled).resolves.toMatchObject({ code: 'ERR_LOG_INCOMPLETE', position: 7 });
  });

  it('a writer killed with SIGKILL leaves no marker: giveUpAfterMs ends the follower with ERR_LOG_STALLED', async ({ oss }) => {
    const local = await oss.start();
    const run = runCli(['--append', '--flush-interval', '100ms', KEY], ossEnv(local), ['line 1\n', 30_000]);
    await holds(local, KEY, 'line 1\n')();
    run.child.kill('SIGKILL');
    await run.done;
    const follower = collect(followLog(oss.heartbeatClient(local), KEY, { ...FAST, giveUpAfterMs: 500 }));

    await expect(follower.settled).resolves.toMatchObject({ code: 'ERR_LOG_STALLED' });
    expect(follower.text()).toBe('line 1\n');
    expect(local.getTags(KEY)).toEqual({});
  });

  it('a refused marker (no tagging permission): the append still resolves, with complete: false and the reason', async ({ oss }) => {
    const local = await oss.start();
    // OSS's own AccessDenied, as a RAM policy without oss:PutObjectTagging gets it.
    const endpoint = await proxy(oss, local, (req, res) => {
      if (req.method !== 'PUT' || !req.url?.includes('tagging')) return false;
      req.resume();
      const xml = errorXml('AccessDenied', 'denied', 'DENIED0001', 'local');
      res.writeHead(403, { 'Content-Type': 'application/xml', 'x-oss-request-id': 'DENIED0001' }).end(xml);
      return true;
    });
    const writer = write(oss.heartbeatClient(local, { endpoint }), LINES.slice(0, 2));

    await expect(writer.done).resolves.toMatchObject({
      complete: false,
      incompleteReason: 'AccessDeniedError AccessDenied HTTP 403',
      bytes: Buffer.byteLength(LINES.slice(0, 2).join('')),
    });
    expect(local.getObject(KEY)?.toString()).toBe(LINES.slice(0, 2).join(''));
  });
});
