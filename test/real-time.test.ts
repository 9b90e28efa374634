import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { text } from 'node:stream/consumers';
import { withHeartbeat } from '../src/index.js';

// Real time, small limits: the whole path from a silent child process to a reader.
describe('real time', () => {
  it("keeps a silent child process's stdout alive and passes its output through intact", async () => {
    const script = `
      process.stdout.write('编译开始\\n');
      setTimeout(() => process.stdout.write(Buffer.from('完成 ✓\\n').subarray(0, 2)), 50);
      setTimeout(() => process.stdout.write(Buffer.from('完成 ✓\\n').subarray(2)), 650);
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const beats: number[] = [];
    const wrapper = withHeartbeat(child.stdout, { idleLimitMs: 300, heartbeatAfterMs: 100 });
    wrapper.on('heartbeat', ({ silentMs }) => beats.push(silentMs));

    const output = await text(wrapper);
    expect(output.replaceAll(' ', '')).toBe('编译开始\n完成✓\n');
    // Fillers only where the child was silent: before any output (a slow start) and mid-character.
    expect(output).toMatch(/^ *编译开始\n +完成 ✓\n$/);
    expect(wrapper.heartbeats).toBeGreaterThanOrEqual(2);
    expect(beats.every((silentMs) => silentMs >= 100)).toBe(true);
  });
});
