import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { WAIT } from '../support/local-oss.js';
import { startIdleClosingServer, type IdleClosingServer } from './idle-closing-server.js';

// The examples as a user runs them, piping a build's output, against a server that ends a body silent for 1 s.
// They are told a fifth of it, as a cautious user would: heartbeats every 100 ms are in time for the real limit
// even if a loaded machine makes them 850 ms late.
const SERVER_IDLE_LIMIT_MS = 1000;
const TOLD_IDLE_LIMIT_MS = 200;
let server: IdleClosingServer;
beforeAll(async () => {
  server = await startIdleClosingServer(SERVER_IDLE_LIMIT_MS);
});
afterAll(() => server.close());

// Side by side: each has a path of its own, and most of each run is waiting.
describe.concurrent.each(['examples/fetch-upload.ts', 'examples/http-request-upload.ts'])('%s', (example) => {
  it("uploads standard input through a silence longer than the server's limit", async ({ expect }) => {
    const path = `/${example.replace(/\W/g, '-')}.log`;
    const child = spawn(process.execPath, ['--import', 'tsx', example, `${server.url}${path}`], {
      env: { PATH: process.env.PATH ?? '', IDLE_LIMIT_MS: String(TOLD_IDLE_LIMIT_MS) },
    });
    const output = Promise.all([text(child.stdout), text(child.stderr), once(child, 'close')]);

    child.stdin.write('step 1\n');
    // The silence counts from the moment the upload began, not from the start of the process.
    await vi.waitFor(() => expect(server.started(path)).toBe(true), WAIT);
    await sleep(SERVER_IDLE_LIMIT_MS + 300);
    child.stdin.end('step 2\n');
    const [stdout, stderr, [code]] = await output;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const heartbeats = Number(/^HTTP 200: 14 bytes of log, (\d+) heartbeats\n$/.exec(stdout)?.[1]);
    expect(heartbeats).toBeGreaterThanOrEqual(2);
    // Every filler the example counted, and nothing else, around the lines: on a loaded machine the child may read
    // its first line after the first heartbeat.
    const [, before, between] = /^( *)step 1\n( *)step 2\n$/.exec(server.received(path)!.toString()) ?? [];
    expect(before, 'the body is the two lines with fillers around them').toBeDefined();
    expect(before!.length + between!.length).toBe(heartbeats);
    expect(between!.length).toBeGreaterThanOrEqual(1);
    expect(server.idleClosed(path)).toBe(false);
  });
});
