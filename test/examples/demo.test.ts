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
    // Scene 2: connections reset mid-build.
    expect(stdout).toMatch(/While the build runs, GetObject of logs\/flaky-append\.log returns \d+ of 12 lines so far/);
    expect(stdout).toMatch(/\nplain ali-oss putStream +failed: ResponseError: .* nothing/);
    expect(stdout).toMatch(/\nheartbeat-readable putStreamWithHeartbeat +failed: ResponseError: .* nothing/);
    expect(stdout).toMatch(/appendStream +stored: 546 bytes in \d+ appends, \d+ retries .* 546 bytes, byte for byte/);
    expect(stdout).toContain('As expected');
    expect(stderr).toBe('');
  });
});
