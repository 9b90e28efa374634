import { beforeAll, describe, expect } from 'vitest';
import { itWithOss as it } from '../support/local-oss.js';
import { startScriptedOss } from '../support/scripted-oss.js';
import { installedPackage, runInstalled } from './installed.js';

beforeAll(installedPackage, 120_000);

describe('the built package behind a server that answers every append with a bare 200', () => {
  it('appendStream (ESM import) gives up with ERR_APPEND_GAVE_UP, its cause ERR_NOT_OSS_ANSWER, and never resolves', async ({ oss }) => {
    // The servers run here; the installed package runs in a child process, as a user's build would.
    const local = await oss.start();
    const harness = await startScriptedOss(local);
    oss.defer(() => harness.close());
    const lie = harness.lie({ operation: 'append', nth: 'every', lie: { kind: 'bare-200' } });

    const run = await runInstalled(
      'mjs',
      `
import { Readable } from 'node:stream';
import { appendAccountOf, appendStream, createOssClient } from 'heartbeat-readable/oss';
console.warn = () => {}; // urllib's warnings on failed requests are not what this checks
const client = createOssClient({ ...JSON.parse(process.env.CLIENT_OPTIONS), endpoint: process.env.ENDPOINT });
const outcome = await appendStream(client, 'logs/build.log', Readable.from(['step 1\\n', 'step 2\\n']), {
  retry: { attempts: 4, minDelayMs: 10, maxDelayMs: 20 },
  requestTimeoutMs: 5000,
}).then(
  (result) => ({ resolved: true, result }),
  (error) => ({ resolved: false, name: error.name, code: error.code, causeCode: error.cause?.code, account: appendAccountOf(error) }),
);
client.agent.destroy();
console.log(JSON.stringify(outcome));
`,
      { CLIENT_OPTIONS: JSON.stringify(local.clientOptions()), ENDPOINT: harness.endpoint },
    );

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({
      resolved: false,
      name: 'AppendGaveUpError',
      code: 'ERR_APPEND_GAVE_UP',
      causeCode: 'ERR_NOT_OSS_ANSWER',
      account: { storedBytes: 0, position: 0 },
    });
    // Every append was lied to, none reached OSS, and nothing is stored.
    expect(lie.told).toBeGreaterThan(1);
    expect(harness.requests.filter((request) => request.operation === 'append').every((request) => request.lie === 'bare-200')).toBe(true);
    expect(local.getObject('logs/build.log')).toBeUndefined();
  });
});
