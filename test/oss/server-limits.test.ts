import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { explainUploadError, putStreamWithHeartbeat } from '../../src/oss/index.js';
import { startGateway, type GatewayOptions } from '../support/gateways.js';
import { itWithOss, muteUrllibWarnings, type LocalOssKit } from '../support/local-oss.js';
import { paced, silentAfter } from '../support/sources.js';
import { rejectionOf } from '../support/settlement.js';

// Real ali-oss through small proxies on 127.0.0.1 that put the limits real servers have on a long upload.
// Side by side: each test has servers of its own, and most of each is waiting.
muteUrllibWarnings();

/** No heartbeat in any test's lifetime. */
const NO_HEARTBEAT = { idleLimitMs: 2 ** 31 - 1, heartbeatAfterMs: 2 ** 30 };
const HEARTBEAT = { idleLimitMs: 300, heartbeatAfterMs: 100 };
/**
 * A limit on the whole request, met 100 ms after the first filler. The diagnosis takes the upload's silence
 * when the client's rejection is handled, and it must be within a heartbeat's longest gap (638 ms): so a
 * loaded machine may be 500 ms slow between the server's end and that rejection, not just a few.
 */
const KEPT_ALIVE = { idleLimitMs: 1000, heartbeatAfterMs: 600 };
const REQUEST_LIMIT_MS = 700;
/** A proxy's idle limit, and heartbeats that beat it even if a loaded machine runs their timer 900 ms late. */
const PROXY_IDLE_LIMIT_MS = 1000;
const BEATING_PROXY = { idleLimitMs: PROXY_IDLE_LIMIT_MS, heartbeatAfterMs: 50 };
const REQUEST_TIME_ADVICE =
  'No heartbeat beats a limit on the whole request; send shorter requests: append mode (appendStream).';

async function behindGateway(oss: LocalOssKit, options: GatewayOptions) {
  const local = await oss.start({ idleLimitMs: 10_000 });
  const gateway = await startGateway(local.endpoint, options);
  oss.defer(() => gateway.close());
  const gatewayOptions = { ...local.clientOptions(), endpoint: gateway.endpoint };
  return { local, client: oss.heartbeatClient(local, { endpoint: gateway.endpoint }), gatewayOptions };
}

function quietSource(oss: LocalOssKit): Readable {
  const source = silentAfter('step 1\n');
  oss.defer(() => source.destroy());
  return source;
}

describe.concurrent('a proxy that gives up on an idle upload answers 504 (HAProxy) or 503 (Varnish)', () => {
  itWithOss.for([504, 503] as const)('%i: an idle limit (server-idle-close) that heartbeats beat', async (status, { oss }) => {
    const { local, client, gatewayOptions } = await behindGateway(oss, { idle: { limitMs: PROXY_IDLE_LIMIT_MS, status } });

    // Side by side: the gateway limits each request on its own.
    const [withoutHeartbeats, plain, kept] = await Promise.all([
      rejectionOf(putStreamWithHeartbeat(client, 'quiet.log', quietSource(oss), { heartbeat: NO_HEARTBEAT })),
      rejectionOf(new OSS(gatewayOptions).putStream('plain.log', quietSource(oss))),
      putStreamWithHeartbeat(client, 'kept.log', paced([Buffer.from('a'), Buffer.from('b')], [PROXY_IDLE_LIMIT_MS + 150, 0]), {
        heartbeat: BEATING_PROXY,
      }),
    ]);

    for (const error of [withoutHeartbeats, plain]) {
      expect(error).toMatchObject({ status });
      expect(explainUploadError(error).kind).toBe('server-idle-close');
    }
    expect(explainUploadError(withoutHeartbeats).message).toMatch(
      /^The server \(or a proxy in front of it\) ended the upload for idleness after \d+ ms in which the upload sent nothing\. No heartbeat went out before it/,
    );
    expect(kept.heartbeats).toBeGreaterThanOrEqual(2);
    expect(local.getObject('kept.log')!.toString().replaceAll(' ', '')).toBe('ab');
    expect(local.getObject('quiet.log')).toBeUndefined();
  });

  it('a 503 from OSS itself (it carries a request id) is not a proxy timeout', () => {
    const fromOss = Object.assign(new Error('Please reduce your request rate.'), {
      name: 'ServiceUnavailableError',
      code: 'ServiceUnavailable',
      status: 503,
      requestId: '5C3D9175B6FC201293AD4890',
    });
    expect(explainUploadError(fromOss).kind).toBe('other');
  });
});

describe.concurrent('a limit on the whole request', () => {
  itWithOss('answered 408 (Node http.Server requestTimeout) although heartbeats kept the body alive: request-time-limit', async ({ oss }) => {
    const { local, client } = await behindGateway(oss, { requestTimeoutMs: REQUEST_LIMIT_MS });

    const error = await rejectionOf(putStreamWithHeartbeat(client, 'build.log', quietSource(oss), { heartbeat: KEPT_ALIVE }));
    const { kind, message } = explainUploadError(error);

    expect(error).toMatchObject({ status: 408 });
    expect(kind).toBe('request-time-limit');
    expect(message).toMatch(
      /^The server \(or a proxy in front of it\) ended the upload after \d+ ms although heartbeats never let it be silent for more than \d+ ms: a limit on the whole request, not an idle limit\. /,
    );
    expect(message).toContain(REQUEST_TIME_ADVICE);
    expect(local.stats().stored).toBe(0);
  });

  itWithOss('ended with a bare FIN (Squid client_lifetime) although heartbeats kept the body alive: request-time-limit', async ({ oss }) => {
    const { client } = await behindGateway(oss, { closeAfterMs: REQUEST_LIMIT_MS });

    const error = await rejectionOf(putStreamWithHeartbeat(client, 'build.log', quietSource(oss), { heartbeat: KEPT_ALIVE }));

    expect(error).toMatchObject({ name: 'ResponseError', status: -1 });
    expect(error.message).toMatch(/^socket hang up/);
    expect(explainUploadError(error)).toEqual({
      kind: 'request-time-limit',
      message: expect.stringContaining(REQUEST_TIME_ADVICE) as string,
    });
  });
});

describe.concurrent('a server shut down mid-body', () => {
  itWithOss('is other: the body was being sent, so no idle limit ended it', async ({ oss }) => {
    const local = await oss.start({ idleLimitMs: 10_000 });
    const client = oss.heartbeatClient(local);
    const source = new Readable({ read() {} });
    oss.defer(() => source.destroy());
    const feed = setInterval(() => source.push('compiling...\n'), 5);
    oss.defer(() => clearInterval(feed));
    setTimeout(() => void local.close(), 300);

    const error = await rejectionOf(putStreamWithHeartbeat(client, 'build.log', source, { heartbeat: HEARTBEAT }));
    const { kind, message } = explainUploadError(error);

    expect(kind).toBe('other');
    expect(message).not.toMatch(/withHeartbeat|heartbeatAfterMs/);
  });
});

describe.concurrent('a success that is not one', () => {
  itWithOss("plain putStream takes a proxy's bare 200 as success, though nothing is stored: the README's table", async ({ oss }) => {
    const { local, client } = await behindGateway(oss, { answerOkAfterMs: 300 });
    const source = silentAfter('step 1\n');
    // The proxy has answered: the body's end changes nothing any more.
    setTimeout(() => source.push(null), 600);

    const result = await client.putStream('build.log', source);

    expect(result.res.status).toBe(200);
    expect(local.getObject('build.log')).toBeUndefined();
  });

  itWithOss('a 200 without ETag or x-oss-request-id (a proxy cut the body and answered) rejects: unconfirmed-success', async ({ oss }) => {
    const { local, client } = await behindGateway(oss, { answerOkAfterMs: 300 });
    const source = quietSource(oss);

    const error = await rejectionOf(putStreamWithHeartbeat(client, 'build.log', source, { heartbeat: HEARTBEAT }));

    expect(error).toMatchObject({ name: 'UnconfirmedSuccessError', code: 'ERR_UNCONFIRMED_SUCCESS', status: 200 });
    expect(explainUploadError(error)).toEqual({
      kind: 'unconfirmed-success',
      message: expect.stringMatching(/^The upload was answered with success \(HTTP 200\) but without an ETag or an x-oss-request-id/) as string,
    });
    // The request is over: the body must not go on sending heartbeats into nothing.
    expect(source.destroyed).toBe(true);
    expect(local.getObject('build.log')).toBeUndefined();
  });
});
