import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../support/settlement.js';
import { useLocalOss } from '../support/local-oss.js';
import { errorCode, sendSigned } from './helpers.js';

const oss = useLocalOss();
const quotedMd5 = (body: Buffer): string => `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;

describe('startLocalOss operations', () => {
  it('round-trips put, putStream, get, head and delete through ali-oss', async () => {
    const local = await oss.start({ idleLimitMs: 1000 });
    const client = new OSS(local.clientOptions());
    const body = Buffer.from('{"hello":"world"}');

    const put = await client.put('dir/a b+ü.json', body, { mime: 'application/json', meta: { uid: 7, pid: 42 } });
    expect(put.res.status).toBe(200);
    expect(put.res.headers).toMatchObject({ etag: quotedMd5(body) });
    expect(local.getObject('dir/a b+ü.json')).toEqual(body);

    const streamed = await client.putStream('logs/build.log', Readable.from(['line 1\n', 'line 2\n']));
    expect(streamed.res.status).toBe(200);
    expect(local.getObject('logs/build.log')?.toString()).toBe('line 1\nline 2\n');

    const got = await client.get('dir/a b+ü.json');
    expect(got.content).toEqual(body);
    expect(got.res.headers).toMatchObject({
      etag: quotedMd5(body),
      'content-type': 'application/json',
      'content-length': String(body.length),
    });
    expect(Date.parse((got.res.headers as Record<string, string>)['last-modified']!)).not.toBeNaN();

    const head = await client.head('dir/a b+ü.json');
    expect(head.status).toBe(200);
    expect(head.meta).toEqual({ uid: '7', pid: '42' });
    expect(local.stats()).toMatchObject({ stored: 2, objects: 2 });

    expect((await client.delete('dir/a b+ü.json')).res.status).toBe(204);
    expect((await client.delete('never-stored')).res.status).toBe(204);
    expect(local.getObject('dir/a b+ü.json')).toBeUndefined();
    const missing = await rejectionOf(client.get('dir/a b+ü.json'));
    expect(missing).toMatchObject({ status: 404, code: 'NoSuchKey' });
    expect(missing.requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(await rejectionOf(client.head('dir/a b+ü.json'))).toMatchObject({ status: 404, code: 'NoSuchKey' });
    expect(local.stats()).toMatchObject({ stored: 2, objects: 1, idleClosed: 0, aborted: 0 });
  });

  it('rejects a body that does not match its Content-MD5, and operations it does not implement', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());
    const wrongMd5 = { headers: { 'Content-MD5': createHash('md5').update('other').digest('base64') } };
    expect(await rejectionOf(client.put('k', Buffer.from('x'), wrongMd5))).toMatchObject({
      status: 400,
      code: 'InvalidDigest',
    });
    expect(await rejectionOf(client.list(null, {}))).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(await rejectionOf(client.putACL('k', 'private'))).toMatchObject({ status: 501, code: 'NotImplemented' });
    const post = await sendSigned(local, { method: 'POST', key: 'k', body: Buffer.from('x') });
    expect([post.status, errorCode(post.body)]).toEqual([501, 'NotImplemented']);
    const patch = await sendSigned(local, { method: 'PATCH', key: 'k', body: Buffer.from('x') });
    expect([patch.status, errorCode(patch.body)]).toEqual([405, 'MethodNotAllowed']);
    expect(local.stats()).toMatchObject({ stored: 0, objects: 0 });
  });
});
