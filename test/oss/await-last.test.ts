import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe("the README's putStreamWithHeartbeat pattern: start the upload, push, await last", () => {
  it('reaches its catch when the upload fails before the await, and the process exits normally', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/oss/fixtures/await-last.ts']);

    expect(stdout).toBe('caught: server-idle-close\n');
    expect(stderr).not.toMatch(/unhandled|UnhandledPromiseRejection/i);
  });
});
