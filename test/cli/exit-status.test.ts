import { describe, expect, it } from 'vitest';
import { refusingEndpoint, runCli, runShell } from '../support/cli.js';

// The statuses as a shell sees them; signals (130, 143) are in interrupt.test.ts, 0 with --tee in tee.test.ts.
// Side by side: most of each test is waiting on a process.
describe.concurrent('the real command exits with the documented status', () => {
  it('2 for a usage error', async () => {
    const { code, stderr } = await runCli(['--idle-limit', 'soon', 'k'], {}).done;
    expect(code).toBe(2);
    expect(stderr).toMatch(/^heartbeat-put: --idle-limit must be .*\nTry 'heartbeat-put --help' for usage\.\n$/);
  });

  it('1 for a failed upload', async () => {
    const env = { OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'secret', OSS_BUCKET: 'builds', OSS_ENDPOINT: await refusingEndpoint() };
    const { code, stderr } = await runCli(['k.log'], env, ['log\n']).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/^heartbeat-put: upload of k\.log failed \(connection-refused\): nothing accepted the connection[^\n]*\n$/);
  });

  it('0 for --help into a pipe whose reader has gone: no stack trace for EPIPE', async () => {
    // The reader closes its end at once, before the command writes.
    const { stderr } = await runShell(`$CLI --help | (exec <&-; sleep 1); echo "exit \${PIPESTATUS[0]}" >&2`, {}).done;
    expect(stderr).toBe('exit 0\n');
  });
});
