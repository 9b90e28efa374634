import { createServer, type AddressInfo, type Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import type OSS from 'ali-oss';
import { describe, expect, it as plainIt, vi } from 'vitest';
import { runHeartbeatTail, TAIL_FLAGS, TAIL_USAGE } from '../../src/cli/tail.js';
import { appendStream } from '../../src/oss/index.js';
import type { LocalOss } from '../../src/testing/index.js';
import { itWithOss as it, muteUrllibWarnings, WAIT, type LocalOssKit } from '../support/local-oss.js';
import { expectUsageError, ossEnv, runInProcess, type InProcessRun } from '../support/cli.js';

// heartbeat-tail in this process (runHeartbeatTail) against startLocalOss, polling every 50 ms: each test has
// a server of its own, and most of each is waiting on a writer or a poll.
muteUrllibWarnings();

const KEY = 'logs/build.log';
const FAST = ['--poll-interval', '50ms'];
const LINES = Array.from({ length: 8 }, (_, index) => `[${index + 1}/8] 编译 step ${index + 1} ✓\n`);

/** heartbeat-tail in this process; `printed(text)` resolves once it has printed `text`: the follower read that far. */
function tail(argv: string[], env: Record<string, string>): InProcessRun & { stdout: PassThrough; printed(text: string): Promise<unknown> } {
  const stdout = new PassThrough();
  let printed = '';
  stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const run = runInProcess(argv, env, [], { command: runHeartbeatTail, stdout });
  return { ...run, stdout, printed: (text) => vi.waitFor(() => expect(printed).toBe(text), WAIT) };
}

/** A build: appendStream of what the test pushes, ended by `end()`; `stop()` aborts it (the log is then marked incomplete). */
function build(client: OSS): { push(lines: string[]): void; end(): void; stop(): void; done: Promise<unknown> } {
  const source = new Readable({ read() {} });
  const controller = new AbortController();
  const done = appendStream(client, KEY, source, { flushIntervalMs: 50, signal: controller.signal });
  return {
    push: (lines) => lines.forEach((line) => source.push(line)),
    end: () => source.push(null),
    stop: () => controller.abort(),
    done,
  };
}

/** A build that writes `lines` and ends. */
function built(client: OSS, lines: string[]): Promise<unknown> {
  const writer = build(client);
  writer.push(lines);
  writer.end();
  return writer.done;
}

/** Appends `text` with plain ali-oss: an appendable object that no writer marks, complete or not. */
async function appendRaw(client: OSS, text: string, position = 0, key = KEY): Promise<void> {
  await client.append(key, Buffer.from(text), { position: String(position) });
}

async function started(oss: LocalOssKit): Promise<{ local: LocalOss; client: OSS; env: Record<string, string> }> {
  const local = await oss.start();
  return { local, client: oss.heartbeatClient(local), env: ossEnv(local) };
}

describe.concurrent('heartbeat-tail prints a log as it grows', () => {
  it('started before the log exists: prints every byte once as the build writes it, and exits 0 once it is marked complete', async ({ oss }) => {
    const { client, env } = await started(oss);
    const run = tail([...FAST, KEY], env);
    const writer = build(client);
    // Live: the first lines are printed while the build still runs.
    writer.push(LINES.slice(0, 3));
    await run.printed(LINES.slice(0, 3).join(''));
    writer.push(LINES.slice(3));
    writer.end();

    await expect(writer.done).resolves.toMatchObject({ complete: true });
    const { code, stdout: all, stderr } = await run.done;
    expect(code).toBe(0);
    expect(all.toString()).toBe(LINES.join(''));
    expect(stderr).toBe('');
  });

  it('--from starts at that byte', async ({ oss }) => {
    const { client, env } = await started(oss);
    await built(client, LINES);
    const from = Buffer.byteLength(LINES[0]!);
    const { code, stdout, stderr } = await tail([...FAST, '--from', String(from), KEY], env).done;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.toString()).toBe(LINES.slice(1).join(''));
  });

  it('a log that is complete already: printed, exit 0 (followLog reads the marker on its next polls that find nothing new)', async ({ oss }) => {
    const { client, env } = await started(oss);
    await built(client, LINES);
    const { code, stdout } = await tail([KEY], env).done;
    expect(code).toBe(0);
    expect(stdout.toString()).toBe(LINES.join(''));
  });
});

describe.concurrent('heartbeat-tail fails with exit 1 and one line that says what became of the log', () => {
  it('never completed, with --give-up-after 1s: what was there is printed, then the line', async ({ oss }) => {
    const { client, env } = await started(oss);
    await appendRaw(client, 'step 1\n');
    const { code, stdout, stderr } = await tail([...FAST, '--give-up-after', '1s', KEY], env).done;
    expect(code).toBe(1);
    expect(stdout.toString()).toBe('step 1\n');
    expect(stderr).toBe('heartbeat-tail: logs/build.log has not grown for 1s (--give-up-after), at byte 7; --from 7 goes on from there\n');
  });

  it('a log that never appears, with --give-up-after 1s', async ({ oss }) => {
    const { env } = await started(oss);
    const { code, stdout, stderr } = await tail([...FAST, '--give-up-after', '1s', KEY], env).done;
    expect({ code, stdout: stdout.toString() }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe('heartbeat-tail: logs/build.log has not grown for 1s (--give-up-after), at byte 0; --from 0 goes on from there\n');
  });

  it('ended incomplete: the build was aborted, and its writer marked the log so', async ({ oss }) => {
    const { client, env } = await started(oss);
    const run = tail([...FAST, KEY], env);
    const writer = build(client);
    writer.push(LINES.slice(0, 2));
    await run.printed(LINES.slice(0, 2).join(''));
    writer.stop();
    await writer.done.catch(() => {});
    const { code, stderr } = await run.done;
    const at = Buffer.byteLength(LINES.slice(0, 2).join(''));
    expect(code).toBe(1);
    expect(stderr).toBe(
      `heartbeat-tail: logs/build.log ended incomplete at byte ${at}: its writer failed or was interrupted before it finished the log\n`,
    );
  });

  // Each row: what happens to the object once 'step 1\n' is printed, and the line. A PutObject replaces it at once.
  const changes: Array<[string, (client: OSS) => Promise<unknown>, string]> = [
    ['deleted', (client) => client.delete(KEY), 'heartbeat-tail: logs/build.log was deleted, at byte 7\n'],
    [
      'replaced by another object (other bytes where the printed ones were)',
      (client) => client.put(KEY, Buffer.from('other run 1\nother run 2\n')),
      'heartbeat-tail: logs/build.log was replaced: the object no longer holds the bytes printed, so what it holds after byte 7 ' +
        'would not continue them\n',
    ],
    [
      'cut: replaced by a shorter one',
      (client) => client.put(KEY, Buffer.from('st')),
      'heartbeat-tail: logs/build.log was cut or replaced: it is now shorter than the 7 bytes read\n',
    ],
  ];
  it.for(changes)('%s', async ([, change, line], { oss }) => {
    const { client, env } = await started(oss);
    await appendRaw(client, 'step 1\n');
    const run = tail([...FAST, KEY], env);
    await run.printed('step 1\n');
    await change(client);
    const { code, stderr } = await run.done;
    expect({ code, stderr }).toEqual({ code: 1, stderr: line });
  });

  it('--from past the end of a log marked complete', async ({ oss }) => {
    const { client, env } = await started(oss);
    await appendStream(client, KEY, Readable.from(['step 1\n']));
    const { code, stderr } = await tail([...FAST, '--from', '100', KEY], env).done;
    expect({ code, stderr }).toEqual({ code: 1, stderr: 'heartbeat-tail: logs/build.log is shorter than --from 100\n' });
  });

  it('refused: a wrong secret, said without the secret, at once', async ({ oss }) => {
    const { local } = await started(oss);
    const wrong = 'Wr0ngSeCrEt8Hj6xZc1Vb5Nm3As7Df';
    const { code, stdout, stderr } = await tail([KEY], ossEnv(local, { OSS_ACCESS_KEY_SECRET: wrong })).done;
    expect({ code, stdout: stdout.toString() }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(
      'heartbeat-tail: OSS refused reading logs/build.log (SignatureDoesNotMatchError SignatureDoesNotMatch HTTP 403): ' +
        'check the credentials, --bucket, and --endpoint or --region\n',
    );
  });
});

describe.concurrent('heartbeat-tail never prints a configured secret', () => {
  it('a key that holds the session token: its line shows *** in its place, in any case', async ({ oss }) => {
    const { client, local } = await started(oss);
    const token = 'CAIS+StS/ToKeN9q8w7e6r5t4y3u2i1o0p+Aa/Bb=Cc+Dd/Ee==';
    const key = `logs/${token.toLowerCase()}.log`;
    await appendRaw(client, 'step 1\n', 0, key);
    const { code, stdout, stderr } = await tail([...FAST, '--give-up-after', '1s', key], ossEnv(local, { OSS_SESSION_TOKEN: token })).done;
    // The local server takes the token as one more signed header.
    expect({ code, stdout: stdout.toString() }).toEqual({ code: 1, stdout: 'step 1\n' });
    expect(stderr).toBe('heartbeat-tail: logs/***.log has not grown for 1s (--give-up-after), at byte 7; --from 7 goes on from there\n');
  });
});

describe.concurrent('heartbeat-tail ends at once when told to, or when nobody reads it', () => {
  it.for([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %i, one line saying where to go on from', async ([signal, status], { oss }) => {
    const { client, env } = await started(oss);
    await appendRaw(client, 'step 1\n');
    const run = tail([...FAST, KEY], env);
    await run.printed('step 1\n');
    const at = Date.now();
    run.signals.emit(signal);
    const { code, stderr } = await run.done;
    expect(Date.now() - at).toBeLessThan(2000);
    expect({ code, stderr }).toEqual({
      code: status,
      stderr: `heartbeat-tail: interrupted by ${signal} at byte 7 of logs/build.log; --from 7 goes on from there\n`,
    });
  });

  it('standard output fails with EPIPE (the reader went away: | head): exit 0, nothing said, no more requests', async ({ oss }) => {
    const { local, client, env } = await started(oss);
    await appendRaw(client, 'step 1\n');
    const run = tail([...FAST, KEY], env);
    await run.printed('step 1\n');
    run.stdout.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await appendRaw(client, 'step 2\n', 7);
    const { code, stderr } = await run.done;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(local.getObject(KEY)?.toString()).toBe('step 1\nstep 2\n');
  });

  it('standard output fails otherwise (a full disk): exit 1, one line', async ({ oss }) => {
    const { client, env } = await started(oss);
    await appendRaw(client, 'step 1\n');
    const full = new PassThrough();
    full._write = (_chunk, _encoding, callback) => callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    const { code, stderr } = await runInProcess([...FAST, KEY], env, [], { command: runHeartbeatTail, stdout: full }).done;
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: 'heartbeat-tail: writing to standard output failed (Error ENOSPC) at byte 0 of logs/build.log\n',
    });
  });
});

/** A TCP server that counts connections: a usage error must be found before any request. */
async function countingEndpoint(): Promise<{ endpoint: string; connections: () => number; close(): void }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => server.close(),
  };
}

const KEY_ID = 'LTAI5tUsAgEtEsTkEyId0001';
const SECRET = 'top-secret-value-of-30-chars-x';

describe('a usage error exits 2 before any request, naming the flag as typed', () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['no key', [], {}, /^heartbeat-tail: missing <object-key>$/],
    ['two keys', ['a', 'b'], {}, /^heartbeat-tail: expected one <object-key>, got 2$/],
    ['a bad --poll-interval', ['--poll-interval', 'soon', KEY], {}, /^heartbeat-tail: --poll-interval must be a positive duration such as .* got "soon"$/],
    // The range is followLog's: its words, with the flag's name.
    ['a zero --give-up-after', ['--give-up-after', '0', KEY], {}, /^heartbeat-tail: --give-up-after must be a positive finite number, got 0$/],
    ['a negative --from', ['--from=-1', KEY], {}, /^heartbeat-tail: --from must be a number of bytes such as 0 or 1048576, got "-1"$/],
    ['--from in units', ['--from', '1KiB', KEY], {}, /^heartbeat-tail: --from must be a number of bytes .* got "1KiB"$/],
    // The bound is followLog's (an appendable object's largest size): its refusal, with the flag's name.
    ['--from past the largest appendable object', ['--from', '9999999999999', KEY], {}, /^heartbeat-tail: --from must be an integer from 0 to \d+, got 9999999999999$/],
    ['an unknown option one letter off', ['--poll-intervl', '1s', KEY], {}, /^heartbeat-tail: unknown option '--poll-intervl'; did you mean '--poll-interval'\?$/],
    ['--local, which only heartbeat-put takes', ['--local', KEY], {}, /^heartbeat-tail: --local does not work here: .*Run heartbeat-local-oss and eval what it prints/],
    ['a flag of heartbeat-put', ['--append', KEY], {}, /^heartbeat-tail: unknown option '--append'$/],
    ['missing credentials', [KEY], { OSS_ACCESS_KEY_ID: '' }, /^heartbeat-tail: missing credentials: .* \(heartbeat-local-oss prints them for a local server\)$/],
    ['a missing bucket', [KEY], { OSS_BUCKET: '' }, /^heartbeat-tail: missing bucket: pass --bucket or set OSS_BUCKET \(heartbeat-local-oss prints/],
    ['a bucket holding the secret', ['--bucket', `b-${SECRET}`, KEY], {}, /^heartbeat-tail: --bucket must not hold a configured secret or token/],
    ['a bad endpoint', ['--endpoint', 'ftp://x', KEY], {}, /^heartbeat-tail: --endpoint must be /],
    ['a key with a leading slash', ['/k'], {}, /^heartbeat-tail: <object-key> must be .* got "\/k"$/],
  ];

  plainIt.each(cases)('%s', async (_name, argv, overrides, message) => {
    const counting = await countingEndpoint();
    try {
      const env = { OSS_ACCESS_KEY_ID: KEY_ID, OSS_ACCESS_KEY_SECRET: SECRET, OSS_BUCKET: 'b-1', OSS_ENDPOINT: counting.endpoint, ...overrides };
      expectUsageError(await tail(argv, env).done, 'heartbeat-tail', message, SECRET);
      expect(counting.connections()).toBe(0);
    } finally {
      counting.close();
    }
  });
});

describe('--help and --version', () => {
  plainIt('--help prints the usage on standard output, exit 0, with every flag', async () => {
    const { code, stdout, stderr } = await tail(['--help'], {}).done;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.toString()).toBe(`${TAIL_USAGE}\n`);
    for (const { name } of TAIL_FLAGS) expect(TAIL_USAGE).toContain(`--${name} `);
  });

  plainIt("-v prints the package's version", async () => {
    const { code, stdout } = await tail(['-v'], {}).done;
    expect(code).toBe(0);
    expect(stdout.toString()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
