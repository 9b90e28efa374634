import { describe, expect, it, vi } from 'vitest';
import { CLEAR_LINE, startStatusLine } from '../../src/cli/status-line.js';
import { sink } from '../support/recording.js';
import { useFakeClock } from '../support/fake-clock.js';
import { runInProcess } from '../support/cli.js';

describe('the status line, on a fake clock', () => {
  useFakeClock();

  it('redraws in place four times a second: bytes sent, heartbeats, and how long the input has been silent', () => {
    const upload = { dataBytes: 0, heartbeats: 0 };
    const stderr = sink();
    const frames = (): string[] => Buffer.concat(stderr.received).toString().split(CLEAR_LINE).filter(Boolean);
    const status = startStatusLine({ mode: 'stream', body: upload }, stderr);

    vi.advanceTimersByTime(250);
    expect(frames()).toEqual(['heartbeat-put: 0 bytes sent, 0 heartbeats, silent 0 s']);
    upload.dataBytes = 10;
    vi.advanceTimersByTime(250);
    expect(frames().at(-1)).toBe('heartbeat-put: 10 bytes sent, 0 heartbeats, silent 0 s');
    upload.heartbeats = 2;
    vi.advanceTimersByTime(3_000);
    expect(frames()).toHaveLength(14);
    expect(frames().at(-1)).toBe('heartbeat-put: 10 bytes sent, 2 heartbeats, silent 3 s');

    status.stop();
    vi.advanceTimersByTime(1_000);
    expect(frames()).toHaveLength(14);
    expect(Buffer.concat(stderr.received).toString().endsWith(CLEAR_LINE)).toBe(true);
  });
});

describe('the status line in append mode, on a fake clock', () => {
  useFakeClock();

  it('shows bytes stored, appends, retries and how long the oldest unsent byte has waited, in place of heartbeats', () => {
    const progress = { storedBytes: 0, appends: 0, retries: 0, batchAgeMs: (): number | undefined => undefined };
    const stderr = sink();
    const frames = (): string[] => Buffer.concat(stderr.received).toString().split(CLEAR_LINE).filter(Boolean);
    const status = startStatusLine({ mode: 'append', progress }, stderr);

    vi.advanceTimersByTime(250);
    expect(frames().at(-1)).toBe('heartbeat-put: 0 bytes stored, 0 appends, 0 retries, nothing waiting');
    progress.batchAgeMs = () => 2_340;
    Object.assign(progress, { storedBytes: 4096, appends: 3, retries: 2 });
    vi.advanceTimersByTime(250);
    expect(frames().at(-1)).toBe('heartbeat-put: 4096 bytes stored, 3 appends, 2 retries, batch 2.3 s old');
    status.stop();
    expect(Buffer.concat(stderr.received).toString().endsWith(CLEAR_LINE)).toBe(true);
  });
});

describe('the status line in the command', () => {
  it('on a terminal, is erased before the summary, so the summary stands alone', async () => {
    const { code, stderr } = await runInProcess(['--local', 'logs/status.log'], {}, ['compiling\n'], { stderrIsTTY: true }).done;
    expect(code).toBe(0);
    expect(stderr.split(CLEAR_LINE).at(-1)).toMatch(/^heartbeat-put: uploaded logs\/status\.log to the embedded local OSS [^\n]*\n$/);
  });

  it('with --append on a terminal, is erased before the summary too', async () => {
    const { code, stderr } = await runInProcess(['--local', '--append', 'logs/status.log'], {}, ['compiling\n', 600], {
      stderrIsTTY: true,
    }).done;
    expect(code).toBe(0);
    const frames = stderr.split(CLEAR_LINE);
    expect(frames.some((frame) => /^heartbeat-put: \d+ bytes stored, \d+ appends?, \d+ retries, /.test(frame))).toBe(true);
    expect(frames.at(-1)).toMatch(/^heartbeat-put: appended logs\/status\.log to the embedded local OSS [^\n]*\n$/);
  });

  it('with --quiet, is never drawn, on a terminal either: nothing is printed', async () => {
    const { code, stderr } = await runInProcess(['--local', '--quiet', 'k'], {}, ['compiling\n'], { stderrIsTTY: true }).done;
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });

  it('off a terminal, is never drawn: the summary only, with no escape codes', async () => {
    const { code, stderr } = await runInProcess(['--local', 'logs/status.log'], {}, ['compiling\n']).done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/^heartbeat-put: uploaded logs\/status\.log [^\n]*\n$/);
    expect(stderr).not.toContain('\x1b');
  });
});
