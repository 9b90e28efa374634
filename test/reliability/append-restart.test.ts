import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { appendStream } from '../../src/oss/index.js';
import { useLocalOss } from '../support/local-oss.js';

const oss = useLocalOss();
const KEY = 'logs/build-42.log';
const CHILD = fileURLToPath(new URL('./fixtures/append-until-killed.ts', import.meta.url));

describe('appendStream after a process restart', () => {
  it('continues the log a killed runner left, byte for byte, with resume: true', async () => {
    const local = await oss.start();
    const runner = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      stdio: ['pipe', 'ignore', 'inherit'],
      env: { ...process.env, APPEND_CLIENT_OPTIONS: JSON.stringify(local.clientOptions()), APPEND_KEY: KEY },
    });
    const firstRun = Buffer.from('[1/2] 编译 compile: 142 files ✓\n'.repeat(20));
    runner.stdin.write(firstRun);
    await vi.waitFor(() => expect(local.getObject(KEY)?.length).toBe(firstRun.length), { timeout: 15_000 });
    // No cleanup, no flush: the machine went away.
    runner.kill('SIGKILL');
    await once(runner, 'exit');

    const secondRun = Buffer.from('[2/2] test: 87 passed, 0 failed\nBUILD SUCCESSFUL\n');
    const result = await appendStream(oss.heartbeatClient(local), KEY, Readable.from([secondRun]), { resume: true });
    expect(local.getObject(KEY)?.equals(Buffer.concat([firstRun, secondRun]))).toBe(true);
    expect(result).toMatchObject({ bytes: secondRun.length, position: firstRun.length + secondRun.length });
  }, 30_000);
});
