import { performance } from 'node:perf_hooks';
import { describe, expect, vi } from 'vitest';
import { INTERRUPT_GRACE_MS } from '../../src/cli/usage.js';
import type { LocalOss } from '../../src/testing/index.js';
import { itWithOss as it, WAIT } from '../support/local-oss.js';
import { holds, ossEnv, runCli, type CliRun } from '../support/cli.js';

/** From now on OSS takes every request and never answers: a black hole (a hung proxy, a dead route). */
function blackHole(local: LocalOss): () => Promise<void> {
  return () => Promise.resolve(local.faults.inject({ kind: 'no-response', count: 1_000 }));
}

/** heartbeat-put --append: a first line stored, then OSS stops answering, and a second line is sent into the hole. */
function appendIntoBlackHole(local: LocalOss): CliRun {
  return runCli(['--append', '--flush-interval', '100ms', 'k.log'], ossEnv(local), [
    'line 1\n',
    holds(local, 'k.log', 'line 1\n'),
    blackHole(local),
    'line 2\n',
    60_000,
  ]);
}

/** Sends `signal` once the command has sent its append into the black hole, and resolves with when it did. */
async function interruptWhileHung(local: LocalOss, run: CliRun, signal: NodeJS.Signals): Promise<number> {
  await vi.waitFor(() => expect(local.stats().faults['no-response']).toBeGreaterThan(0), WAIT);
  const at = performance.now();
  run.child.kill(signal);
  return at;
}

/** The object holds what the command's last line says, one of the two lengths it names at most. */
function expectTruthfulLine(stderr: string, stored: string | undefined): void {
  const [, first, second] = /k\.log holds (\d+) bytes(?:, or (\d+) if the last append \(\d+ bytes\) landed)?/.exec(stderr) ?? [];
  expect(first).toBeDefined();
  expect([first, second]).toContain(String(stored?.length ?? 0));
}

// Side by side: each test has a server of its own, and each mostly waits on its process.
describe.concurrent('heartbeat-put --append against an OSS that stops answering: interrupts keep their bounds', () => {
  it(`the first signal: what was read is tried for ${INTERRUPT_GRACE_MS / 1000} s, then the command ends within 1 s, saying what may be stored`, async ({ oss }) => {
    const local = await oss.start();
    const run = appendIntoBlackHole(local);
    const signalledAt = await interruptWhileHung(local, run, 'SIGTERM');
    const { code, stderr } = await run.done;
    const tookMs = performance.now() - signalledAt;

    expect(code).toBe(143);
    expect(tookMs).toBeGreaterThanOrEqual(INTERRUPT_GRACE_MS);
    expect(tookMs).toBeLessThan(INTERRUPT_GRACE_MS + 1_000);
    expect(stderr).toBe('heartbeat-put: interrupted by SIGTERM: k.log holds 7 bytes, or 14 if the last append (7 bytes) landed\n');
    expectTruthfulLine(stderr, local.getObject('k.log')?.toString());
  });

  it('a second signal ends the command within 1 s, whatever OSS does', async ({ oss }) => {
    const local = await oss.start();
    const run = appendIntoBlackHole(local);
    await interruptWhileHung(local, run, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const secondAt = performance.now();
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;

    expect(performance.now() - secondAt).toBeLessThan(1_000);
    // The first signal is the one the exit status names.
    expect(code).toBe(143);
    expect(stderr).toMatch(/^heartbeat-put: interrupted by SIGTERM: k\.log holds 7 bytes, or 14 if the last append \(7 bytes\) landed\n$/);
    expectTruthfulLine(stderr, local.getObject('k.log')?.toString());
  });

  it('a black hole from the start (the first HEAD hangs): a second signal still ends it within 1 s, nothing stored', async ({ oss }) => {
    const local = await oss.start();
    local.faults.inject({ kind: 'no-response', count: 1_000 });
    const run = runCli(['--append', 'k.log'], ossEnv(local), ['line 1\n', 60_000]);
    await interruptWhileHung(local, run, 'SIGINT');
    // Apart: a signal sent while the same one is still pending is merged into it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const secondAt = performance.now();
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;

    expect(performance.now() - secondAt).toBeLessThan(1_000);
    expect(code).toBe(130);
    expect(stderr).toBe(
      'heartbeat-put: interrupted by SIGINT: nothing from this run is stored in k.log, whose length OSS never gave; ' +
        '7 bytes read from the input are not in it\n',
    );
    expect(local.getObject('k.log')).toBeUndefined();
  });
});
