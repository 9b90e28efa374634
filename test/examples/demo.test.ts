import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('shows the plain upload failing and the heartbeat upload storing the whole log (a shorter variant)', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/demo.ts', '--silence-ms', '700', '--idle-limit-ms', '300'],
      { env: { PATH: process.env.PATH ?? '' } },
    );
    expect(stdout).toMatch(/plain ali-oss putStream .* failed: ResponseError: socket hang up .* nothing/);
    expect(stdout).toMatch(/heartbeat-readable putStreamWithHeartbeat .* stored \(HTTP 200\): 223 log bytes \+ [1-9]\d* heartbeats .* log intact/);
    expect(stdout).toContain('server-idle-close');
    expect(stdout).toContain('As expected');
    expect(stderr).toBe('');
  });
});
