import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('shows the streamed uploads failing where expected and the fixes storing the whole log (a shorter variant)', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/demo.ts', '--silence-ms', '1500', '--idle-limit-ms', '1000', '--reset-every-ms', '600', '--heartbeat-after-ms', '100'],
      { env: { PATH: process.env.PATH ?? '' } },
    );
    expect(stdout).toMatch(/plain ali-oss putStream .* failed: ResponseError: socket hang up .* nothing/);
    expect(stdout).toMatch(/heartbeat-readable putStreamWithHeartbeat .* stored \(HTTP 200\): 223 log bytes \+ [1-9]\d* heartbeats .* log intact/);
    expect(stdout).toContain('server-idle-close');
    // Scene 2: connections reset mid-build. The follower prints the append-mode log as the build writes it, line by
    // line, and ends with the build: what it printed is what the build wrote.
    const built = Array.from({ length: 12 }, (_, i) =>
      i < 11 ? `[${String(i + 1).padStart(2, '0')}/12] 测试 test: shard ${i + 1} of 11 passed ✓` : '[12/12] BUILD SUCCESSFUL 构建成功',
    );
    const followed = [...stdout.matchAll(/^ {2}followLog │ (.*)$/gm)].map(([, line]) => line);
    expect(followed).toEqual(built);
    const { before } = /The follower printed its first line (?<before>-?[\d.]+) s before appendStream resolved, and ended when appendStream marked the log complete: it printed 546 bytes, the build's log byte for byte\./.exec(stdout)!.groups!;
    // The build takes 12 line gaps of 150 ms: the first line is printed well before it ends.
    expect(Number(before)).toBeGreaterThan(0.5);
    expect(stdout).toMatch(/\nplain ali-oss putStream +failed: ResponseError: .* nothing/);
    expect(stdout).toMatch(/\nheartbeat-readable putStreamWithHeartbeat +failed: ResponseError: .* nothing/);
    expect(stdout).toMatch(/appendStream +stored: 546 bytes in \d+ appends, \d+ retries .* 546 bytes, byte for byte/);
    expect(stdout).toContain('As expected');
    expect(stderr).toBe('');
    // Real time in a process of its own: about 10 s alone, more than the suite's 20 s beside another test run.
  }, 60_000);
});
