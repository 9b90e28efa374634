import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runHeartbeatPut } from '../../src/cli/run.js';

/** Runs the command in this process with `stderr` as a terminal or not, feeding `input` with a silence. */
async function runWithStderr(isTTY: boolean): Promise<{ code: number; stderr: string }> {
  const stdin = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY });
  let printed = '';
  stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const running = runHeartbeatPut({
    argv: ['--local', '--idle-limit', '400', 'logs/status.log'],
    env: {},
    stdin,
    stdout: new PassThrough(),
    stderr,
    signals: new EventEmitter(),
  });
  stdin.write('compiling\n');
  await sleep(900);
  stdin.end('done\n');
  return { code: await running, stderr: printed };
}

describe('the status line', () => {
  it('on a terminal, shows bytes sent, heartbeats and the silence, then erases itself before the summary', async () => {
    const { code, stderr } = await runWithStderr(true);
    expect(code).toBe(0);
    // Each redraw starts with a carriage return and an erase-line sequence.
    const frames = stderr.split('\r\x1b[2K');
    expect(frames.some((frame) => /^heartbeat-put: 10 bytes sent, [1-9]\d* heartbeats, silent \d+ s$/.test(frame))).toBe(true);
    expect(frames.at(-1)).toMatch(/^heartbeat-put: uploaded logs\/status\.log to the embedded local OSS/);
  });

  it('off a terminal, prints the summary only, with no escape codes', async () => {
    const { code, stderr } = await runWithStderr(false);
    expect(code).toBe(0);
    expect(stderr).not.toContain('\x1b');
    expect(stderr).not.toContain('bytes sent');
    expect(stderr.split('\n')).toHaveLength(2);
  });
});
