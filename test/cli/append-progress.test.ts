import { describe, expect, it, vi } from 'vitest';
import { AppendStatus } from '../../src/cli/append-progress.js';
import { CLEAR_LINE } from '../../src/cli/status-line.js';
import { useFakeClock } from '../support/fake-clock.js';
import { muteUrllibWarnings, useLocalOss } from '../support/local-oss.js';
import { holds, ossEnv, runInProcess } from '../support/cli.js';

describe("AppendStatus follows appendStream's onProgress reports", () => {
  useFakeClock();

  it('shows the last report, and how long its oldest unstored byte has waited by now', async () => {
    const status = new AppendStatus();
    expect(status).toMatchObject({ storedBytes: 0, appends: 0, retries: 0 });
    expect(status.batchAgeMs()).toBeUndefined();

    status.update({ storedBytes: 7, position: 107, appends: 1, retries: 2, pendingBytes: 5, oldestPendingAt: Date.now() });
    await vi.advanceTimersByTimeAsync(1_300);
    expect(status).toMatchObject({ storedBytes: 7, appends: 1, retries: 2 });
    expect(status.batchAgeMs()).toBe(1_300);

    status.update({ storedBytes: 12, position: 112, appends: 2, retries: 2, pendingBytes: 0, oldestPendingAt: undefined });
    expect(status.batchAgeMs()).toBeUndefined();
  });
});

describe('the --append status line, from those reports', () => {
  muteUrllibWarnings();
  const oss = useLocalOss();

  it('counts the retries while OSS is unreachable, and shows the waiting batch growing older', async () => {
    const local = await oss.start();
    const { code, stderr } = await runInProcess(['--append', '--flush-interval', '100ms', 'k.log'], ossEnv(local), [
      'line 1\n',
      holds(local, 'k.log', 'line 1\n'),
      () => {
        void local.faults.goOffline(1_500);
        return Promise.resolve();
      },
      'line 2\n',
      holds(local, 'k.log', 'line 1\nline 2\n'),
    ], { stderrIsTTY: true }).done;

    expect(code).toBe(0);
    const outage = stderr
      .split(CLEAR_LINE)
      .map((frame) => /^heartbeat-put: 7 bytes stored, 1 appends, ([1-9]\d*) retries, batch (\d+\.\d) s old$/.exec(frame))
      .filter((match) => match !== null);
    expect(outage.length).toBeGreaterThan(1);
    expect(Number(outage.at(-1)![2])).toBeGreaterThan(Number(outage[0]![2]));
  });
});
