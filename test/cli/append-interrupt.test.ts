import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { muteUrllibWarnings, useLocalOss, WAIT } from '../support/local-oss.js';
import { holds, ossEnv, runInProcess } from '../support/cli.js';

muteUrllibWarnings();
const oss = useLocalOss();

/** Standard output for --tee, and what has reached it: the bytes the command has read. */
function teeOutput(): { stdout: PassThrough; copied: () => string } {
  const stdout = new PassThrough();
  let copied = '';
  stdout.on('data', (chunk: Buffer) => (copied += chunk.toString()));
  return { stdout, copied: () => copied };
}

describe('an interrupted --append run appends what it read, then says what the object holds', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: what was read and not yet sent is appended first (exit %i)', async (signal, status) => {
    const local = await oss.start();
    const { stdout, copied } = teeOutput();
    // A flush interval no test waits for: only the interrupt sends the bytes.
    const run = runInProcess(['--append', '--tee', '--flush-interval', '1h', 'k.log'], ossEnv(local), ['line 1\nline 2\n', 30_000], { stdout });
    await vi.waitFor(() => expect(copied()).toBe('line 1\nline 2\n'), WAIT);
    expect(local.getObject('k.log')).toBeUndefined();
    run.signals.emit(signal);
    const { code, stderr } = await run.done;

    expect(code).toBe(status);
    expect(stderr).toBe(`heartbeat-put: interrupted by ${signal}: k.log holds 14 bytes (everything up to the interrupt is readable)\n`);
    expect(local.getObject('k.log')?.toString()).toBe('line 1\nline 2\n');
    // Every byte read is stored, and the log is marked incomplete: its followers learn the build was cut short.
    expect(local.getTags('k.log')).toEqual({ 'heartbeat-readable:state': 'incomplete' });
  });

  it('a second signal while OSS will not take the rest stops at once and says what is not stored', async () => {
    const local = await oss.start();
    const { stdout, copied } = teeOutput();
    const run = runInProcess(['--append', '--tee', '--flush-interval', '100ms', 'k.log'], ossEnv(local), [
      'line 1\n',
      holds(local, 'k.log', 'line 1\n'),
      () => Promise.resolve(local.faults.inject({ kind: 'service-unavailable', count: 1_000, match: { operation: 'AppendObject' } })),
      'line 2\n',
      30_000,
    ], { stdout });
    await vi.waitFor(() => expect(copied()).toBe('line 1\nline 2\n'), WAIT);
    run.signals.emit('SIGTERM');
    await vi.waitFor(() => expect(local.stats().faults['service-unavailable']).toBeGreaterThan(0), WAIT);
    run.signals.emit('SIGTERM');
    const { code, stderr } = await run.done;

    expect(code).toBe(143);
    // The abort cancels the append in flight, if one is: then OSS may still apply it, and the line says so.
    expect([
      'heartbeat-put: interrupted by SIGTERM: k.log holds 7 bytes; 7 bytes read from the input are not in it\n',
      'heartbeat-put: interrupted by SIGTERM: k.log holds 7 bytes, or 14 if the last append (7 bytes) landed\n',
    ]).toContain(stderr);
    expect(local.getObject('k.log')?.toString()).toBe('line 1\n');
  });

  it('before any input: nothing is stored, and no object is created', async () => {
    const local = await oss.start();
    const run = runInProcess(['--append', 'k.log'], ossEnv(local), [30_000]);
    run.signals.emit('SIGINT');
    const { code, stderr } = await run.done;
    expect(code).toBe(130);
    expect(stderr).toBe('heartbeat-put: interrupted by SIGINT: nothing is stored in k.log\n');
    expect(local.stats().objects).toBe(0);
  });
});
