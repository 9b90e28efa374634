import { Readable } from 'node:stream';
import { describe, expect, vi } from 'vitest';
import { appendStream } from '../../src/oss/index.js';
import { itWithOss as it, muteUrllibWarnings } from '../support/local-oss.js';
import { ossEnv, runCli, runShell, type CliRun } from '../support/cli.js';

// heartbeat-tail as a user runs it: a real process ($TAIL, from source) against startLocalOss, while this
// process writes the log with appendStream. Side by side: each test has a server of its own.
muteUrllibWarnings();

const KEY = 'logs/build.log';
/** A process's first output waits for Node and tsx to start: seconds on a loaded two-core machine. */
const STARTED = { timeout: 20_000 };
const LINES = Array.from({ length: 6 }, (_, index) => `[${index + 1}/6] 编译 step ${index + 1} ✓\n`);

function tail(args: string[], env: Record<string, string>): CliRun {
  return runCli(['--poll-interval', '50ms', ...args], env, [], '$TAIL');
}

function printedBy({ child }: CliRun): () => string {
  let printed = '';
  child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  return () => printed;
}

/** A build that prints a line every `gapMs` until stopped: a log that keeps growing. */
function endlessBuild(): { source: Readable; stop(): void } {
  let line = 0;
  const source = new Readable({ read() {} });
  const timer = setInterval(() => source.push(`line ${++line}\n`), 50);
  return { source, stop: () => (clearInterval(timer), source.push(null)) };
}

describe.concurrent('heartbeat-tail in a real process', { timeout: 60_000 }, () => {
  it('prints the log while appendStream writes it, and exits 0 once it is complete', async ({ oss }) => {
    const local = await oss.start();
    const run = tail([KEY], ossEnv(local));
    const printed = printedBy(run);
    const source = new Readable({ read() {} });
    const writing = appendStream(oss.heartbeatClient(local), KEY, source, { flushIntervalMs: 50 });
    source.push(LINES.slice(0, 3).join(''));
    // Printed while the build still runs.
    await vi.waitFor(() => expect(printed()).toBe(LINES.slice(0, 3).join('')), STARTED);
    source.push(LINES.slice(3).join(''));
    source.push(null);
    await expect(writing).resolves.toMatchObject({ complete: true });

    const { code, stdout, stderr } = await run.done;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.toString()).toBe(LINES.join(''));
  });

  it('a log never completed, with --give-up-after 1s: exit 1 and one line', async ({ oss }) => {
    const local = await oss.start();
    await oss.heartbeatClient(local).append(KEY, Buffer.from('step 1\n'));
    const { code, stdout, stderr } = await tail(['--give-up-after', '1s', KEY], ossEnv(local)).done;
    expect(code).toBe(1);
    expect(stdout.toString()).toBe('step 1\n');
    expect(stderr).toBe('heartbeat-tail: logs/build.log has not grown for 1s (--give-up-after), at byte 7; --from 7 goes on from there\n');
  });

  it('| head -1 on a log that keeps growing: ends soon after head, exit 0, nothing on stderr', async ({ oss }) => {
    const local = await oss.start();
    const build = endlessBuild();
    oss.defer(() => build.stop());
    void appendStream(oss.heartbeatClient(local), KEY, build.source, { flushIntervalMs: 50 }).catch(() => {});
    const job = runShell(`$TAIL --poll-interval 50ms ${KEY} | head -1; echo "exit \${PIPESTATUS[*]}" >&2`, ossEnv(local));
    const printed = printedBy(job);
    await vi.waitFor(() => expect(printed()).toBe('line 1\n'), STARTED);
    const headDone = Date.now();
    const { stdout, stderr } = await job.done;

    expect(stdout.toString()).toBe('line 1\n');
    expect(stderr).toBe('exit 0 0\n');
    // The next line comes within 50 ms and the next poll 50 ms later: its write meets EPIPE. (Seconds: a loaded machine.)
    expect(Date.now() - headDone).toBeLessThan(5000);
  });

  it.for([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %i at once, one line', async ([signal, status], { oss }) => {
    const local = await oss.start();
    await oss.heartbeatClient(local).append(KEY, Buffer.from('step 1\n'));
    const run = tail([KEY], ossEnv(local));
    const printed = printedBy(run);
    await vi.waitFor(() => expect(printed()).toBe('step 1\n'), STARTED);
    const at = Date.now();
    run.child.kill(signal);
    const { code, stderr } = await run.done;

    expect(Date.now() - at).toBeLessThan(5000);
    expect(code).toBe(status);
    expect(stderr).toBe(`heartbeat-tail: interrupted by ${signal} at byte 7 of logs/build.log; --from 7 goes on from there\n`);
  });

  it('2 for a usage error, naming the flag', async () => {
    const { code, stderr } = await tail(['--give-up-after', 'soon', KEY], {}).done;
    expect(code).toBe(2);
    expect(stderr).toMatch(/^heartbeat-tail: --give-up-after must be .* got "soon"\nTry 'heartbeat-tail --help' for usage\.\n$/);
  });

  it('a wrong secret with DEBUG=*: ali-oss prints its signed requests, and no secret shows', async ({ oss }) => {
    const local = await oss.start();
    const token = 'CAIS+StS/ToKeN9q8w7e6r5t4y3u2i1o0p+Aa/Bb=Cc+Dd/Ee==';
    const wrong = 'Wr0ngSeCrEt8Hj6xZc1Vb5Nm3As7Df';
    const env = ossEnv(local, { OSS_ACCESS_KEY_SECRET: wrong, OSS_SESSION_TOKEN: token, DEBUG: '*' });
    const { code, stdout, stderr } = await tail([KEY], env).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/heartbeat-tail: OSS refused reading logs\/build\.log \(SignatureDoesNotMatchError SignatureDoesNotMatch HTTP 403\)/);
    // ali-oss's debug output went through the command's mask.
    expect(stderr).toContain('"x-oss-security-token":"***"');
    const printed = `${stdout.toString()}${stderr}`.toLowerCase();
    for (const secret of [wrong, token, encodeURIComponent(token)]) expect(printed).not.toContain(secret.toLowerCase());
  });
});
