import { describe, expect, vi } from 'vitest';
import type { LocalOss } from '../../src/testing/index.js';
import { itWithOss as it, muteUrllibWarnings, WAIT, type LocalOssKit } from '../support/local-oss.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { bodyStarted, ossEnv, runCli, runInProcess, runShell } from '../support/cli.js';

// Side by side: each test has a server of its own, and most of each is waiting on a process or a signal.
muteUrllibWarnings();
const server = (oss: LocalOssKit): Promise<LocalOss> => oss.start({ idleLimitMs: 5_000 });
async function proxyHoldingResponses(oss: LocalOssKit, local: LocalOss): Promise<FaultProxy> {
  const proxy = await startFaultProxy(local.endpoint, { holdResponses: true });
  oss.defer(() => proxy.close());
  return proxy;
}

describe.concurrent('an interrupted upload says what became of the object', () => {
  it.for(['SIGINT', 'SIGTERM'] as const)('%s before the input ended: nothing was stored', async (signal, { oss }) => {
    const local = await server(oss);
    const { signals, done } = runInProcess(['k.log'], ossEnv(local), ['partial log\n', bodyStarted(local), 30_000]);
    await bodyStarted(local)();
    signals.emit(signal);
    const { code, stderr } = await done;

    expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(stderr).toBe(`heartbeat-put: interrupted by ${signal} before the input ended; the upload was aborted and nothing was stored\n`);
    await vi.waitFor(() => expect(local.stats().aborted).toBe(1), WAIT);
    expect(local.stats().stored).toBe(0);
  });

  it('SIGINT after the whole input was sent, while the answer is on its way: the object may have been stored (and was)', async ({ oss }) => {
    const local = await server(oss);
    const proxy = await proxyHoldingResponses(oss, local);
    const { signals, done } = runInProcess(['k.log'], ossEnv(local, { OSS_ENDPOINT: proxy.endpoint }), ['the whole log\n']);
    await vi.waitFor(() => expect(local.stats().stored).toBe(1), WAIT);
    signals.emit('SIGINT');
    const { code, stderr } = await done;

    expect(code).toBe(130);
    expect(stderr).toBe(
      "heartbeat-put: interrupted by SIGINT after the whole input was sent: k.log may have been stored (the server's answer was not awaited)\n",
    );
    expect(local.getObject('k.log')?.toString()).toBe('the whole log\n');
  });
});

describe.concurrent('signals reach the real command', () => {
  it.for([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s mid-upload: exit %i at once, one line', async ([signal, status], { oss }) => {
    const local = await server(oss);
    const { child, done } = runCli(['k.log'], ossEnv(local), ['partial log\n', 30_000]);
    await bodyStarted(local)();
    child.kill(signal);
    const { code, stderr } = await done;

    expect(code).toBe(status);
    expect(stderr).toBe(`heartbeat-put: interrupted by ${signal} before the input ended; the upload was aborted and nothing was stored\n`);
    expect(local.stats().stored).toBe(0);
  });

  it('SIGINT while --tee waits for a reader that stopped reading: exit 130 at once, not once the reader goes on', async ({ oss }) => {
    const local = await server(oss);
    // The command prints its pid (the subshell's, kept by exec); `sleep` never reads, so the pipe to it fills.
    const job = runShell(`seq 1 2000000 | (echo "pid $BASHPID" >&2; exec $CLI --tee k.log) | sleep 30`, ossEnv(local));
    let printed = '';
    job.child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await vi.waitFor(() => expect(printed).toMatch(/^pid \d+\n/), WAIT);
    const pid = Number(/^pid (\d+)/.exec(printed)![1]);
    await bodyStarted(local)();
    process.kill(pid, 'SIGINT');
    const running = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // Well before `sleep 30` ends: the output it never read does not hold the command.
    await vi.waitFor(() => expect(running()).toBe(false), { timeout: 10_000, interval: 50 });
    process.kill(-job.child.pid!, 'SIGTERM');
    await job.done;

    expect(printed.split('\n').slice(1).join('\n')).toBe(
      'heartbeat-put: interrupted by SIGINT before the input ended; the upload was aborted and nothing was stored\n',
    );
  });

  it('Ctrl-C in a pipeline (SIGINT to the whole job): exit 130 with one line, though the reader of --tee died with it', async ({ oss }) => {
    const local = await server(oss);
    // The producer ignores SIGINT, as a build step may: the input goes on, so the upload is cut mid-body.
    const job = runShell(
      `(trap '' INT; while echo tick; do sleep 0.05; done) | { $CLI --tee k.log; echo "exit $?" >&2; } | cat >/dev/null`,
      ossEnv(local),
    );
    await bodyStarted(local)();
    process.kill(-job.child.pid!, 'SIGINT');
    const { stderr } = await job.done;

    expect(stderr).toBe(
      'heartbeat-put: interrupted by SIGINT before the input ended; the upload was aborted and nothing was stored\nexit 130\n',
    );
    expect(local.stats().stored).toBe(0);
  });
});
