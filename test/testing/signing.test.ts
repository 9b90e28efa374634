import { inspect } from 'node:util';
import OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../support/settlement.js';
import { useLocalOss } from '../support/local-oss.js';
import { errorCode, send, sendSigned, signedHeaders } from './helpers.js';

const oss = useLocalOss();
const MINUTE = 60_000;

describe('startLocalOss signatures', () => {
  it('rejects a wrong secret with SignatureDoesNotMatch and keeps both secrets out of the error', async () => {
    const local = await oss.start();
    const wrongSecret = 'wrong-secret-0123456789';
    const client = new OSS({ ...local.clientOptions(), accessKeySecret: wrongSecret });

    const error = await rejectionOf(client.put('k', Buffer.from('x')));
    expect(error).toMatchObject({ name: 'SignatureDoesNotMatchError', status: 403, code: 'SignatureDoesNotMatch' });
    expect(error.requestId).toMatch(/^[0-9A-F]{24}$/);
    const text = `${error.message}\n${error.stack}\n${inspect(error, { depth: 4 })}`;
    expect(text).not.toContain(wrongSecret);
    expect(text).not.toContain(local.accessKeySecret);
    // HEAD has no body; ali-oss reads the error from the x-oss-err header instead.
    expect(await rejectionOf(client.head('k'))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(local.stats().stored).toBe(0);
  });

  it('rejects a wrong access key id, a wrong bucket, a V4 signature and a missing signature', async () => {
    const local = await oss.start();
    const wrongId = new OSS({ ...local.clientOptions(), accessKeyId: 'LTAIunknown' });
    expect(await rejectionOf(wrongId.put('k', Buffer.from('x')))).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
    const wrongBucket = new OSS({ ...local.clientOptions(), bucket: 'some-other-bucket' });
    expect(await rejectionOf(wrongBucket.get('k'))).toMatchObject({ status: 404, code: 'NoSuchBucket' });
    const v4 = new OSS({ ...local.clientOptions(), authorizationV4: true });
    expect(await rejectionOf(v4.get('k'))).toMatchObject({ status: 400, code: 'InvalidArgument' });

    const anonymous = await fetch(`${local.endpoint}/k`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('content-type')).toBe('application/xml');
    const xml = await anonymous.text();
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error>\n {2}<Code>AccessDenied<\/Code>\n/);
    expect(xml).toContain(`<RequestId>${anonymous.headers.get('x-oss-request-id')}</RequestId>`);
  });

  it('refuses a client whose clock is more than 15 minutes off with RequestTimeTooSkewed', async () => {
    const local = await oss.start();
    // ali-oss dates its requests with its clock plus amendTimeSkewed.
    const skewed = (ms: number): OSS => new OSS({ ...local.clientOptions(), ...{ amendTimeSkewed: ms } });
    for (const ms of [-16 * MINUTE, 16 * MINUTE]) {
      expect(await rejectionOf(skewed(ms).put('k', Buffer.from('x')))).toMatchObject({
        status: 403,
        code: 'RequestTimeTooSkewed',
      });
    }
    await skewed(-14 * MINUTE).put('k', Buffer.from('x'));
    expect(local.stats().stored).toBe(1);
  });

  it('refuses a replayed request once its date is stale, by the injected clock and maxClockSkewMs', async () => {
    // Whole seconds, as HTTP dates carry them.
    let serverTime = Math.floor(Date.now() / 1000) * 1000;
    const local = await oss.start({ now: () => serverTime, maxClockSkewMs: 5 * MINUTE });
    const request = { method: 'PUT', key: 'k', body: Buffer.from('x'), date: new Date(serverTime) };
    const captured = signedHeaders(local, request);

    expect((await send(local, request, captured)).status).toBe(200);
    serverTime += 5 * MINUTE;
    expect((await send(local, request, captured)).status).toBe(200);
    serverTime += 1000;
    const replay = await send(local, request, captured);
    expect([replay.status, errorCode(replay.body)]).toEqual([403, 'RequestTimeTooSkewed']);
    expect(local.stats().stored).toBe(2);
  });

  it('signs x-oss-range-behavior: the header changed, dropped or added after signing is refused', async () => {
    const local = await oss.start();
    await new OSS(local.clientOptions()).put('k', Buffer.from('0123456789'));
    const request = { method: 'GET', key: 'k', headers: { range: 'bytes=10-', 'x-oss-range-behavior': 'standard' } };
    const signed = signedHeaders(local, request);
    expect((await send(local, request, signed)).status).toBe(416);

    const dropped = Object.fromEntries(Object.entries(signed).filter(([name]) => name !== 'x-oss-range-behavior'));
    const added = { ...signedHeaders(local, { ...request, headers: { range: 'bytes=10-' } }), 'x-oss-range-behavior': 'standard' };
    for (const tampered of [{ ...signed, 'x-oss-range-behavior': 'Standard' }, dropped, added]) {
      const refused = await send(local, request, tampered);
      expect([refused.status, errorCode(refused.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    }
  });

  it('signs the tagging sub-resource: ?tagging left out of the signature is refused', async () => {
    const local = await oss.start();
    await new OSS(local.clientOptions()).put('k', Buffer.from('x'));
    const unsigned = await sendSigned(local, { method: 'GET', key: 'k', unsignedQuery: { tagging: '' } });
    expect([unsigned.status, errorCode(unsigned.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect((await sendSigned(local, { method: 'GET', key: 'k', query: { tagging: '' } })).status).toBe(200);
  });

  it('refuses a signed request without a valid date', async () => {
    const local = await oss.start();
    const undated = await sendSigned(local, { method: 'GET', key: 'k', headers: { 'x-oss-date': 'yesterday' } });
    expect([undated.status, errorCode(undated.body)]).toEqual([403, 'AccessDenied']);
    expect(undated.body).toContain('<Message>OSS authentication requires a valid Date.</Message>');
  });
});
