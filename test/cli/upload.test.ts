import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { LocalOss } from '../../src/testing/index.js';
import { useLocalOss } from '../support/local-oss.js';
import { bodyStarted, ossEnv, runInProcess } from '../support/cli.js';

const oss = useLocalOss();
const server = (idleLimitMs: number): Promise<LocalOss> => oss.start({ idleLimitMs });

describe('heartbeat-put uploads standard input', () => {
  it('keeps a stalled input alive and stores it, with a summary line and no escape codes off a terminal', async () => {
    const local = await server(1_000);
    // Heartbeats in time for the limit even if a loaded machine runs their timer 900 ms late.
    const { done } = runInProcess(
      ['--idle-limit', '1s', '--heartbeat-after', '50ms', 'logs/build.log'],
      ossEnv(local),
      ['step 1 构建\n', bodyStarted(local), 1_150, 'step 2 done\n'],
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

  it('--tee copies the input to standard output byte for byte, without the fillers the upload got', async () => {
    // No idle limit in reach: this is about the copy, not the heartbeats' timing.
    const local = await server(10_000);
    const bytes: Buffer[] = [randomBytes(70_000), Buffer.from('半个字'), randomBytes(1_000)];
    const input = [bytes[0]!, bytes[1]!, 300, bytes[2]!];
    const argv = ['--tee', '--quiet', '--idle-limit', '10s', '--heartbeat-after', '50ms', 'logs/tee.log'];
    const { code, stdout, stderr } = await runInProcess(argv, ossEnv(local), input).done;

    expect(code).toBe(0);
    expect(stdout.equals(Buffer.concat(bytes))).toBe(true);
    expect(stderr).toBe('');
    expect(local.stats().stored).toBe(1);
    expect(local.getObject('logs/tee.log')!.length).toBeGreaterThan(stdout.length);
  });

  it('reads the ALIBABA_CLOUD_* credentials too', async () => {
    const local = await server(1_000);
    const { OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, ...env } = ossEnv(local);
    const credentials = { ALIBABA_CLOUD_ACCESS_KEY_ID: OSS_ACCESS_KEY_ID!, ALIBABA_CLOUD_ACCESS_KEY_SECRET: OSS_ACCESS_KEY_SECRET! };
    const { code } = await runInProcess(['--quiet', 'k.txt'], { ...env, ...credentials }, ['hello']).done;
    expect(code).toBe(0);
    expect(local.getObject('k.txt')?.toString()).toBe('hello');
  });

  it("with an STS token, says nothing but its own line: no advice from ali-oss to set refreshSTSToken", async () => {
    const local = await server(1_000);
    const warn = vi.spyOn(console, 'warn');
    try {
      const { code, stderr } = await runInProcess(['k.txt'], ossEnv(local, { OSS_SESSION_TOKEN: 'sts-token' }), ['hello']).done;
      expect(code).toBe(0);
      expect(stderr).toMatch(/^heartbeat-put: uploaded k\.txt: 5 bytes, [^\n]*\n$/);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('--local uploads to an embedded server without credentials and says where the object went', async () => {
    const { code, stderr } = await runInProcess(['--local', 'logs/local.log'], {}, ['local log\n']).done;
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /^heartbeat-put: uploaded logs\/local\.log to the embedded local OSS at http:\/\/127\.0\.0\.1:\d+, bucket [a-z0-9-]+ .*: 10 bytes, /,
    );
  });
});
