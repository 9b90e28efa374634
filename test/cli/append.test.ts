import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import OSS from 'ali-oss';
import { describe, expect, vi } from 'vitest';
import type { LocalOss } from '../../src/testing/index.js';
import { itWithOss as it, muteUrllibWarnings, WAIT } from '../support/local-oss.js';
import { holds, ossEnv, runInProcess } from '../support/cli.js';

muteUrllibWarnings();
/** Short enough that a test takes no time, long enough that a batch gathers what is written at once. */
const FLUSH = ['--flush-interval', '100ms'];

async function headers(local: LocalOss, key: string): Promise<Record<string, string>> {
  return (await new OSS(local.clientOptions()).head(key)).res.headers as Record<string, string>;
}

// Side by side: each test has a server of its own, and most of each is waiting for flush intervals and retries.
describe.concurrent('heartbeat-put --append stores standard input in an appendable object', () => {
  it('byte for byte and readable as it grows, with no request during a silence, and a summary with the CRC-64', async ({ oss }) => {
    const local = await oss.start();
    const { code, stderr } = await runInProcess(['--append', ...FLUSH, 'logs/build.log'], ossEnv(local), [
      'step 1 构建\n',
      holds(local, 'logs/build.log', 'step 1 构建\n'),
      // Ten flush intervals of silence: no append, and nothing added.
      1_000,
      () => Promise.resolve(expect(local.stats().appends).toBe(1)),
      'step 2 done\n',
    ]).done;

    expect(code).toBe(0);
    const summary = /^heartbeat-put: appended logs\/build\.log: 26 bytes stored, 2 appends, 0 retries, [\d.]+ s, CRC-64 (\d+), marked complete\n$/;
    expect(stderr).toMatch(summary);
    expect(local.getObject('logs/build.log')?.toString()).toBe('step 1 构建\nstep 2 done\n');
    const head = await headers(local, 'logs/build.log');
    expect(head['x-oss-object-type']).toBe('Appendable');
    expect(summary.exec(stderr)![1]).toBe(head['x-oss-hash-crc64ecma']);
    expect(local.stats()).toMatchObject({ appends: 2, stored: 0 });
    expect(local.getTags('logs/build.log')).toMatchObject({ 'heartbeat-readable:state': 'complete', 'heartbeat-readable:length': '26' });
  });

  it('binary input, a character cut between writes, no fillers however long the silence; --tee copies it unchanged', async ({ oss }) => {
    const local = await oss.start();
    const bytes = [randomBytes(70_000), Buffer.from('半个字').subarray(0, 4), Buffer.from('半个字').subarray(4), randomBytes(1_000)];
    const input = [bytes[0]!, bytes[1]!, 500, bytes[2]!, bytes[3]!];
    const { code, stdout, stderr } = await runInProcess(['--append', '--tee', '--quiet', ...FLUSH, 'k.bin'], ossEnv(local), input).done;

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.equals(Buffer.concat(bytes))).toBe(true);
    expect(local.getObject('k.bin')?.equals(Buffer.concat(bytes))).toBe(true);
  });

  it('--max-append bounds each append', async ({ oss }) => {
    const local = await oss.start();
    const input = randomBytes(10_000);
    const { code, stderr } = await runInProcess(['--append', '--max-append', '4KiB', 'k.bin'], ossEnv(local), [input]).done;
    expect(code).toBe(0);
    // 4096 + 4096 + 1808.
    expect(stderr).toMatch(/: 10000 bytes stored, 3 appends, /);
    expect(local.stats().appends).toBe(3);
    expect(local.getObject('k.bin')?.equals(input)).toBe(true);
  });

  it('--max-buffered bounds what is read while OSS is unreachable; the input waits, then every byte is stored', async ({ oss }) => {
    const local = await oss.start();
    const input = randomBytes(2 ** 20);
    // In pipe-sized chunks, as a real standard input reads: backpressure works between chunks.
    const chunks = Array.from({ length: 64 }, (_, index) => input.subarray(index * 2 ** 14, (index + 1) * 2 ** 14));
    const run = runInProcess(['--append', ...FLUSH, '--max-append', '16KiB', '--max-buffered', '64KiB', 'k.bin'], ossEnv(local), [
      'first\n',
      holds(local, 'k.bin', 'first\n'),
      () => {
        void local.faults.goOffline(1_500);
        return Promise.resolve();
      },
      ...chunks,
    ]);
    // What the command has not read stays in its standard input: all but --max-buffered and the streams' own buffers.
    await vi.waitFor(() => expect(run.stdin.writableLength + run.stdin.readableLength).toBeGreaterThan(2 ** 20 - 256 * 2 ** 10), WAIT);
    const { code, stderr } = await run.done;

    expect(code).toBe(0);
    expect(stderr).toMatch(/: 1048582 bytes stored, \d+ appends, [1-9]\d* retries, /);
    expect(local.getObject('k.bin')?.equals(Buffer.concat([Buffer.from('first\n'), input]))).toBe(true);
  });

  it('retries through resets and 503s without losing or repeating a byte, and counts the retries', async ({ oss }) => {
    const local = await oss.start();
    const match = { operation: 'AppendObject' } as const;
    local.faults.inject({ kind: 'reset-after-apply', match });
    local.faults.inject({ kind: 'service-unavailable', count: 2, match });
    const { code, stderr } = await runInProcess(['--append', ...FLUSH, 'k.log'], ossEnv(local), [
      'line 1\n',
      holds(local, 'k.log', 'line 1\n'),
      'line 2\n',
    ]).done;

    expect(code).toBe(0);
    expect(stderr).toMatch(/^heartbeat-put: appended k\.log: 14 bytes stored, 2 appends, 3 retries, /);
    expect(local.getObject('k.log')?.toString()).toBe('line 1\nline 2\n');
    expect(local.stats().faults).toMatchObject({ 'reset-after-apply': 1, 'service-unavailable': 2 });
  });

  it('--resume continues an appendable object at its end, and the summary gives its length', async ({ oss }) => {
    const local = await oss.start();
    await new OSS(local.clientOptions()).append('k.log', Buffer.from('run 1\n'));
    const { code, stderr } = await runInProcess(['--append', '--resume', 'k.log'], ossEnv(local), ['run 2\n']).done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/^heartbeat-put: appended k\.log: 6 bytes stored, the object is 12 bytes, 1 append, 0 retries, /);
    expect(local.getObject('k.log')?.toString()).toBe('run 1\nrun 2\n');
  });

  it('--resume of an object that does not exist starts it', async ({ oss }) => {
    const local = await oss.start();
    const { code } = await runInProcess(['--append', '--resume', '--quiet', 'k.log'], ossEnv(local), ['run 1\n']).done;
    expect(code).toBe(0);
    expect(local.getObject('k.log')?.toString()).toBe('run 1\n');
  });

  it('gives the object its --content-type (text/plain; charset=utf-8 by default)', async ({ oss }) => {
    const local = await oss.start();
    const env = ossEnv(local);
    expect((await runInProcess(['--append', '--quiet', 'a.log'], env, ['a']).done).code).toBe(0);
    expect((await runInProcess(['--append', '--quiet', '--content-type', 'application/x-ndjson', 'b.log'], env, ['{}']).done).code).toBe(0);
    expect((await headers(local, 'a.log'))['content-type']).toBe('text/plain; charset=utf-8');
    expect((await headers(local, 'b.log'))['content-type']).toBe('application/x-ndjson');
  });

  it('--local appends to the embedded server and says where the object went', async () => {
    const { code, stderr } = await runInProcess(['--local', '--append', 'logs/local.log'], {}, ['local log\n']).done;
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /^heartbeat-put: appended logs\/local\.log to the embedded local OSS at http:\/\/127\.0\.0\.1:\d+, bucket [a-z0-9-]+ .*: 10 bytes stored, 1 append, /,
    );
  });

  it('an empty input creates no object, and says so', async ({ oss }) => {
    const local = await oss.start();
    const { code, stderr } = await runInProcess(['--append', 'k.log'], ossEnv(local), []).done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/^heartbeat-put: appended k\.log: 0 bytes stored, 0 appends, 0 retries, [\d.]+ s; the input was empty, so no object was created\n$/);
    expect(local.stats().objects).toBe(0);
  });

  it('reads standard input only through the tee when --tee stops copying: the appends go on', async ({ oss }) => {
    const local = await oss.start();
    const stdout = new PassThrough();
    stdout.destroy();
    const { code, stderr } = await runInProcess(['--append', '--tee', 'k.log'], ossEnv(local), ['a\n', 'b\n'], { stdout }).done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/^heartbeat-put: --tee stopped copying to standard output \(it was closed\); the upload goes on\n/);
    expect(local.getObject('k.log')?.toString()).toBe('a\nb\n');
  });
});
