import OSS from 'ali-oss';
import { describe, expect, vi } from 'vitest';
import { itWithOss as it } from '../support/local-oss.js';
import { holds, ossEnv, runCli, type CliRun } from '../support/cli.js';

function running({ child }: CliRun): boolean {
  return child.exitCode === null && child.signalCode === null;
}

// Side by side: each test has a server of its own, and most of each is waiting on a process.
describe.concurrent('heartbeat-put --append as a build runner uses it: a real process', () => {
  it('the object is readable through OSS while the command still runs, across a silence longer than the flush interval', async ({ oss }) => {
    const local = await oss.start();
    const reader = new OSS(local.clientOptions());
    const seen: Array<{ live: string; running: boolean }> = [];
    const readLive = async (): Promise<void> => {
      seen.push({ live: (await reader.get('logs/live.log')).content.toString(), running: running(run) });
    };
    const run: CliRun = runCli(['--append', '--flush-interval', '100ms', 'logs/live.log'], ossEnv(local), [
      '[1/2] compile\n',
      holds(local, 'logs/live.log', '[1/2] compile\n'),
      // Silent for five flush intervals: still there, nothing added, and the command still runs.
      500,
      readLive,
      '[2/2] test: 87 passed\n',
      holds(local, 'logs/live.log', '[1/2] compile\n[2/2] test: 87 passed\n'),
      readLive,
    ]);
    const { code, stderr } = await run.done;

    expect(code).toBe(0);
    expect(seen).toEqual([
      { live: '[1/2] compile\n', running: true },
      { live: '[1/2] compile\n[2/2] test: 87 passed\n', running: true },
    ]);
    expect(stderr).toMatch(/^heartbeat-put: appended logs\/live\.log: 36 bytes stored, 2 appends, 0 retries, [\d.]+ s, CRC-64 \d+, marked complete\n$/);
    expect(local.stats().appends).toBe(2);
  });

  it('SIGINT mid-build: exit 130, one line saying what is stored, and the object holds exactly the input read', async ({ oss }) => {
    const local = await oss.start();
    const run = runCli(['--append', '--tee', '--flush-interval', '1h', 'k.log'], ossEnv(local), ['line 1\n', 'line 2\n', 30_000]);
    let copied = '';
    run.child.stdout!.on('data', (chunk: Buffer) => (copied += chunk.toString()));
    // --tee has copied both lines: the command has read them; the hour-long flush interval has sent neither.
    await vi.waitFor(() => expect(copied).toBe('line 1\nline 2\n'), { timeout: 20_000 });
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;

    expect(code).toBe(130);
    expect(stderr).toBe('heartbeat-put: interrupted by SIGINT: k.log holds 14 bytes (everything up to the interrupt is readable)\n');
    expect(local.getObject('k.log')?.toString()).toBe('line 1\nline 2\n');
  });

  it('after a killed run, --resume continues the same object; without it the object is refused', async ({ oss }) => {
    const local = await oss.start();
    const first = runCli(['--append', '--flush-interval', '100ms', 'k.log'], ossEnv(local), ['run 1\n', 30_000]);
    await holds(local, 'k.log', 'run 1\n')();
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');

    const refused = await runCli(['--append', 'k.log'], ossEnv(local), ['run 2\n']).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^heartbeat-put: append to k\.log failed \(object-exists\): .*Pass --resume to continue it/);

    const resumed = await runCli(['--append', '--resume', 'k.log'], ossEnv(local), ['run 2\n']).done;
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/^heartbeat-put: appended k\.log: 6 bytes stored, the object is 12 bytes, 1 append, 0 retries, /);
    expect(local.getObject('k.log')?.toString()).toBe('run 1\nrun 2\n');
  });
});
