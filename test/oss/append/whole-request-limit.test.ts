import { describe, expect } from 'vitest';
import { appendStream, explainUploadError, putStreamWithHeartbeat } from '../../../src/oss/index.js';
import { startGateway, type GatewayOptions } from '../../support/gateways.js';
import { itWithOss as it, muteUrllibWarnings } from '../../support/local-oss.js';
import { paced } from '../../support/sources.js';
import { rejectionOf } from '../../support/settlement.js';

// The README's "which mode" table: no heartbeat beats a limit on the whole request, short appends do.
muteUrllibWarnings();

const lines = ['[1/4] fetch\n', '[2/4] compile\n', '[3/4] test\n', '[4/4] link\n'].map((line) => Buffer.from(line));

// A limit an append's request never comes near, even on a loaded machine: retrying one would be a failure here.
const LIMIT_MS = 1000;
// A line, a quiet step, then two more lines 300 ms apart: 1.5 s in all, and the limit counts from the first
// line (the request goes out with its first byte). The heartbeat upload has sent a filler (at 800 ms) and a
// line (at 900) when the limit ends it, so it is told from an idle close even if a loaded machine hands the
// client that end 700 ms late: the heartbeats allow 850 ms of silence.
const SILENCES_MS = [0, 900, 300, 300];
const HEARTBEAT = { idleLimitMs: 1000, heartbeatAfterMs: 800 };

// Side by side: each limit has servers of its own, and most of each test is waiting.
describe.concurrent.each<[string, GatewayOptions]>([
  ['answered 408 (Node http.Server requestTimeout)', { requestTimeoutMs: LIMIT_MS }],
  ['ended with a bare FIN (Squid client_lifetime)', { closeAfterMs: LIMIT_MS }],
])('a build longer than a limit on the whole request, %s', (_name, limit) => {
  it('loses the heartbeat upload, and append mode stores every byte', async ({ oss }) => {
    const local = await oss.start({ idleLimitMs: 10_000 });
    const gateway = await startGateway(local.endpoint, limit);
    oss.defer(() => gateway.close());
    const client = oss.heartbeatClient(local, { endpoint: gateway.endpoint });

    // The two modes side by side.
    const [heartbeatError, appended] = await Promise.all([
      rejectionOf(putStreamWithHeartbeat(client, 'put.log', paced(lines, SILENCES_MS), { heartbeat: HEARTBEAT })),
      appendStream(client, 'append.log', paced(lines, SILENCES_MS), { flushIntervalMs: 100 }),
    ]);

    // Which kind a FIN gets depends on what the body was doing then; test/oss/server-limits.test.ts covers that.
    expect(['request-time-limit', 'other']).toContain(explainUploadError(heartbeatError).kind);
    expect(local.getObject('put.log')).toBeUndefined();
    expect(appended).toMatchObject({ bytes: Buffer.concat(lines).length, retries: 0 });
    expect(local.getObject('append.log')).toEqual(Buffer.concat(lines));
  });
});
