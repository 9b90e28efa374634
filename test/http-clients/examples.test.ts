import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { startIdleClosingServer, type IdleClosingServer } from './idle-closing-server.js';

// The examples as a user runs them, piping a build's output, against a server that ends a body silent for 1 s
// (a limit wide enough that a loaded machine cannot make the heartbeat, every 500 ms, late for it).
let server: IdleClosingServer;
beforeAll(async () => {
  server = await startIdleClosingServer(1000);
});
afterAll(() => server.close());

// Side by side: each has a path of its own, and most of each run is waiting.
describe.concurrent.each(['examples/fetch-upload.ts', 'examples/http-request-upload.ts'])('%s', (example) => {
  it('uploads standard input through a silence twice the server limit', async ({ expect }) => {
    const path = `/${example.replace(/\W/g, '-')}.log`;
    const child = spawn(process.execPath, ['--import', 'tsx', example, `${server.url}${path}`], {
      env: { PATH: process.env.PATH ?? '', IDLE_LIMIT_MS: '1000' },
    });
    const output = Promise.all([text(child.stdout), text(child.stderr), once(child, 'close')]);

    child.stdin.write('step 1\n');
    // The silence counts from the moment the upload began, not from the start of the process.
    await vi.waitFor(() => expect(server.started(path)).toBe(true), { timeout: 10_000 });
    await sleep(2000);
    child.stdin.end('step 2\n');
    const [stdout, stderr, [code]] = await output;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const heartbeats = Number(/^HTTP 200: 14 bytes of log, (\d+) heartbeats\n$/.exec(stdout)?.[1]);
    expect(heartbeats).toBeGreaterThanOrEqual(2);
    expect(server.received(path)!.toString()).toBe(`step 1\n${' '.repeat(heartbeats)}step 2\n`);
    expect(server.idleClosed(path)).toBe(false);
  });
});
