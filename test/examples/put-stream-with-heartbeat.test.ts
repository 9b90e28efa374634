import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalOss, type LocalOss } from '../../src/testing/index.js';

let local: LocalOss;
beforeAll(async () => {
  local = await startLocalOss({ idleLimitMs: 1000 });
});
afterAll(() => local.close());

describe('examples/put-stream-with-heartbeat.ts', () => {
  it('uploads the output of build steps through a silent step twice the idle limit', async () => {
    const steps = ['echo compile', 'sleep 2', 'echo link >&2'];
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/put-stream-with-heartbeat.ts', 'logs/build-43.log', ...steps],
      {
        env: {
          PATH: process.env.PATH ?? '',
          // A fifth of the server's limit: heartbeats every 100 ms, so a loaded machine cannot make one late enough to miss it.
          IDLE_LIMIT_MS: '200',
          OSS_ENDPOINT: local.endpoint,
          OSS_BUCKET: local.bucket,
          OSS_ACCESS_KEY_ID: local.accessKeyId,
          OSS_ACCESS_KEY_SECRET: local.accessKeySecret,
        },
      },
    );
    expect(stderr).toBe('');
    const heartbeats = Number(/^stored logs\/build-43\.log: 54 bytes of log, (\d+) heartbeats\n$/.exec(stdout)?.[1]);
    expect(heartbeats).toBeGreaterThanOrEqual(10);
    // A step's standard error is part of its log.
    expect(local.getObject('logs/build-43.log')?.toString()).toBe(`$ echo compile\ncompile\n$ sleep 2\n${' '.repeat(heartbeats)}$ echo link >&2\nlink\n`);
  });
});
