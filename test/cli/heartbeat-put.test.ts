import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalOss, type LocalOss } from '../../src/testing/index.js';
import { bodyStarted, ossEnv, runCli } from './helpers.js';

const servers: LocalOss[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function server(idleLimitMs: number): Promise<LocalOss> {
  const local = await startLocalOss({ idleLimitMs });
  servers.push(local);
  return local;
}

const STACK_LINE = /^\s+at /m;

describe('heartbeat-put uploads standard input', () => {
  it('keeps a stalled input alive and stores it, with a summary line and no escape codes off a terminal', async () => {
    const local = await server(400);
    const { done } = runCli(
      ['--idle-limit', '400', '--heartbeat-after', '150ms', 'logs/build.log'],
      ossEnv(local),
      ['step 1 构建\n', bodyStarted(local), 1_200, 'step 2 done\n'],
    );
    const { code, stderr } = await done;

    expect(code).toBe(0);
    const summary = /^heartbeat-put: uploaded logs\/build\.log: 26 bytes, ([1-9]\d*) heartbeats, [\d.]+ s, ETag "[0-9A-F]{32}"\n$/;
    expect(stderr).toMatch(summary);
    const heartbeats = Number(summary.exec(stderr)![1]);
    expect(local.getObject('logs/build.log')!.toString()).toBe(`step 1 构建\n${' '.repeat(heartbeats)}step 2 done\n`);
    expect(local.stats()).toMatchObject({ stored: 1, idleClosed: 0 });
    expect(stderr).not.toContain('\x1b');
  });

  it('--tee copies the input to standard output byte for byte, without fillers', async () => {
    const local = await server(400);
    const bytes: Buffer[] = [randomBytes(70_000), Buffer.from('半个字'), randomBytes(1_000)];
    const input = [bytes[0]!, bytes[1]!, 700, bytes[2]!];
    const { done } = runCli(['--tee', '--quiet', '--idle-limit', '400', 'logs/tee.log'], ossEnv(local), input);
    const { code, stdout, stderr } = await done;

    expect(code).toBe(0);
    expect(stdout.equals(Buffer.concat(bytes))).toBe(true);
    expect(stderr).toBe('');
  });

  it('reads the ALIBABA_CLOUD_* credentials too', async () => {
    const local = await server(1_000);
    const env = ossEnv(local, {
      ALIBABA_CLOUD_ACCESS_KEY_ID: local.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: local.accessKeySecret,
    });
    delete env.OSS_ACCESS_KEY_ID;
    delete env.OSS_ACCESS_KEY_SECRET;
    const { code } = await runCli(['--quiet', 'k.txt'], env, ['hello']).done;
    expect(code).toBe(0);
    expect(local.getObject('k.txt')?.toString()).toBe('hello');
  });

  it('--local uploads to an embedded server without credentials and says where the object went', async () => {
    const { code, stderr } = await runCli(['--local', 'logs/local.log'], {}, ['local log\n']).done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/uploaded logs\/local\.log to the embedded local OSS at http:\/\/127\.0\.0\.1:\d+, bucket [a-z0-9-]+/);
  });
});

describe('usage errors exit 2 with one line and a hint', () => {
  // Each row: arguments, the environment (a full one unless said), and what the message must say.
  const cases: Array<[string, string[], 'full' | 'none' | 'no bucket' | 'no endpoint', RegExp]> = [
    ['no key', [], 'full', /missing <object-key>/],
    ['two keys', ['a', 'b'], 'full', /expected one <object-key>, got 2/],
    ['an unknown option', ['--nope', 'k'], 'full', /Unknown option '--nope'/],
    ['a key with a leading slash', ['/k'], 'full', /<object-key> must be .* got "\/k"/],
    ['a bad duration', ['--idle-limit', '1x', 'k'], 'full', /--idle-limit must be a positive duration .* got "1x"/],
    ['a zero duration', ['--idle-limit', '0', 'k'], 'full', /--idle-limit must be a positive duration .* got "0"/],
    ['an option without its value', ['--max-upload', '-5s', 'k'], 'full', /argument is ambiguous/],
    ['a negative duration', ['--max-upload=-5s', 'k'], 'full', /--max-upload must be a positive duration .* got "-5s"/],
    ['an absurd duration', ['--max-upload', '100y', 'k'], 'full', /--max-upload must be a positive duration .* got "100y"/],
    ['heartbeat after the idle limit', ['--idle-limit', '1m', '--heartbeat-after', '90s', 'k'], 'full',
      /--heartbeat-after must be shorter than --idle-limit \(1m\), got "90s"/],
    ['an empty filler', ['--filler', '', 'k'], 'full', /--filler must not be empty/],
    ['missing credentials', ['k'], 'none', /missing credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET/],
    ['a missing bucket', ['k'], 'no bucket', /missing bucket: pass --bucket or set OSS_BUCKET/],
    ['a missing endpoint', ['k'], 'no endpoint', /missing endpoint: pass --endpoint or --region/],
  ];
  const environments = {
    full: { OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'top-secret-value', OSS_BUCKET: 'b', OSS_REGION: 'oss-cn-hangzhou' },
    none: { OSS_BUCKET: 'b', OSS_REGION: 'oss-cn-hangzhou' },
    'no bucket': { OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'top-secret-value', OSS_REGION: 'oss-cn-hangzhou' },
    'no endpoint': { OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'top-secret-value', OSS_BUCKET: 'b' },
  };

  it.each(cases)('%s', async (_name, args, env, message) => {
    const { code, stderr, stdout } = await runCli(args, environments[env]).done;
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^heartbeat-put: /);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toBe("Try 'heartbeat-put --help' for usage.");
    expect(stderr + stdout.toString()).not.toContain('top-secret-value');
  });

  it('--help prints the usage and --version the version, exit 0', async () => {
    const help = await runCli(['--help'], {}).done;
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toMatch(/^Usage: heartbeat-put \[options\] <object-key>/);
    const version = await runCli(['-v'], {}).done;
    expect(version.stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('failures', () => {
  it('a failed upload exits 1 with one line, no stack trace and no secret', async () => {
    const local = await server(1_000);
    const secret = 'wrong-secret-that-must-never-print';
    const { code, stderr, stdout } = await runCli(['k.log'], ossEnv(local, { OSS_ACCESS_KEY_SECRET: secret }), ['x']).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(/^heartbeat-put: upload of k\.log failed \(other\): .*SignatureDoesNotMatch.*\n$/);
    expect(stderr).not.toMatch(STACK_LINE);
    expect(stderr + stdout.toString()).not.toContain(secret);
    expect(local.stats().stored).toBe(0);
  });

  it('a server idle limit shorter than --idle-limit ends the upload: exit 1, server-idle-close, nothing stored', async () => {
    const local = await server(300);
    const { code, stderr } = await runCli(['k.log'], ossEnv(local), ['start\n', bodyStarted(local), 1_000, 'end\n']).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(/^heartbeat-put: upload of k\.log failed \(server-idle-close\): /);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(local.stats()).toMatchObject({ stored: 0, idleClosed: 1 });
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s mid-upload aborts it: exit %i, nothing stored', async (signal, status) => {
    const local = await server(5_000);
    const { child, done } = runCli(['k.log'], ossEnv(local), ['partial log\n', 30_000]);
    await bodyStarted(local)();
    child.kill(signal);
    const { code, stderr } = await done;

    expect(code).toBe(status);
    expect(stderr).toBe(`heartbeat-put: interrupted by ${signal}; the upload was aborted and nothing was stored\n`);
    await vi.waitFor(() => expect(local.stats().aborted).toBe(1));
    expect(local.stats().stored).toBe(0);
  });
});
