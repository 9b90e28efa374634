import { beforeAll, describe, expect } from 'vitest';
import { itWithOss as it } from '../support/local-oss.js';
import { installedPackage, runInstalled } from './installed.js';

beforeAll(installedPackage, 120_000);

/** A build runner and a log viewer in one script, from the installed package: what each saw, as JSON on stdout. */
function script(kind: 'mjs' | 'cjs', abort: boolean): string {
  const load =
    kind === 'mjs'
      ? "import { Readable } from 'node:stream';\nimport { appendStream, createOssClient, followLog, FollowLogError } from 'heartbeat-readable/oss';"
      : "const { Readable } = require('node:stream');\nconst { appendStream, createOssClient, followLog, FollowLogError } = require('heartbeat-readable/oss');";
  return `${load}
const client = createOssClient(JSON.parse(process.env.CLIENT_OPTIONS));
const controller = new AbortController();
const follower = followLog(client, 'logs/live.log', { pollIntervalMs: 50 });
const read = [];
follower.on('data', (chunk) => read.push(chunk));
const followed = new Promise((resolve) => {
  follower.on('end', () => resolve({ ended: true, complete: follower.complete }));
  follower.on('error', (error) => resolve({ code: error.code, isFollowLogError: error instanceof FollowLogError }));
});
const source = new Readable({ read() {} });
const written = appendStream(client, 'logs/live.log', source, { flushIntervalMs: 50, signal: controller.signal }).then(
  (result) => ({ complete: result.complete }),
  (error) => ({ name: error.name }),
);
for (const line of ['[1/3] compile\\n', '[2/3] test 测试\\n', '[3/3] link\\n']) {
  source.push(line);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
if (${abort}) controller.abort();
else source.push(null);
const outcome = { writer: await written, follower: await followed, read: Buffer.concat(read).toString() };
client.agent.destroy();
console.log(JSON.stringify(outcome));
`;
}

const LOG = '[1/3] compile\n[2/3] test 测试\n[3/3] link\n';

describe('followLog from the installed package, beside appendStream', () => {
  it.for(['mjs', 'cjs'] as const)('%s: prints the log as the build writes it, and ends complete when the build ends', async (kind, { oss }) => {
    const local = await oss.start();
    // Top-level await: a CommonJS script runs the same body in an async function.
    const body = script(kind, false);
    const source = kind === 'cjs' ? body.replace(/^(const client[\s\S]*)$/m, '(async () => {\n$1\n})();') : body;
    const run = await runInstalled(kind, source, { CLIENT_OPTIONS: JSON.stringify(local.clientOptions()) });

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ writer: { complete: true }, follower: { ended: true, complete: true }, read: LOG });
  });

  it('a build aborted mid-log: the follower stops with ERR_LOG_INCOMPLETE, a FollowLogError, after every stored byte', async ({ oss }) => {
    const local = await oss.start();
    const run = await runInstalled('mjs', script('mjs', true), { CLIENT_OPTIONS: JSON.stringify(local.clientOptions()) });

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      writer: { name: 'AbortError' },
      follower: { code: 'ERR_LOG_INCOMPLETE', isFollowLogError: true },
      read: local.getObject('logs/live.log')?.toString(),
    });
  });
});
