import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { crc64 } from 'crc64-ecma182.js';
import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../support/settlement.js';
import { useLocalOss } from '../support/local-oss.js';
import { errorCode, sendSigned } from './helpers.js';
import { recordResponses } from '../support/responses.js';

const oss = useLocalOss();

/** The CRC-64/XZ (ECMA-182, reflected) check value of "123456789", from the CRC catalogue. */
const CHECK_VALUE = BigInt('0x995DC9BBDF1939FA').toString();

describe('AppendObject', () => {
  it('creates an Appendable object at position 0 and grows it; each append is readable at once', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());

    const first = await client.append('build.log', Buffer.from('1234'));
    expect(first.nextAppendPosition).toBe('4');
    expect(first.res.headers).toMatchObject({ 'x-oss-hash-crc64ecma': crc64('1234'), 'x-oss-next-append-position': '4' });
    expect(local.getObject('build.log')?.toString()).toBe('1234');
    expect((await client.get('build.log')).content.toString()).toBe('1234');

    const second = await client.append('build.log', Buffer.from('56789'), { position: first.nextAppendPosition });
    expect(second.nextAppendPosition).toBe('9');
    // The CRC covers the whole object, not the last append.
    expect(second.res.headers).toMatchObject({ 'x-oss-hash-crc64ecma': CHECK_VALUE });
    const got = await client.get('build.log');
    expect(got.content.toString()).toBe('123456789');
    expect(got.res.headers).toMatchObject({ 'x-oss-object-type': 'Appendable', 'x-oss-next-append-position': '9' });

    const head = await client.head('build.log');
    expect(head.res.headers).toMatchObject({
      'x-oss-object-type': 'Appendable',
      'x-oss-next-append-position': '9',
      'x-oss-hash-crc64ecma': CHECK_VALUE,
      'content-length': '9',
    });
    expect(local.stats()).toMatchObject({ appends: 2, stored: 0 });
  });

  it('takes a streamed (chunked) append, and metadata from the append that creates the object', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());
    await client.append('build.log', Readable.from([Buffer.from('line 1\n'), Buffer.from('line 2\n')]), {
      meta: { uid: 7, pid: 42 },
      mime: 'text/plain',
    });
    await client.append('build.log', Buffer.from('line 3\n'), { position: '14', meta: { uid: 8, pid: 43 } });

    const head = await client.head('build.log');
    expect(head.meta).toEqual({ uid: '7', pid: '42' });
    expect(head.res.headers).toMatchObject({ 'content-type': 'text/plain', 'x-oss-next-append-position': '21' });
    expect(local.getObject('build.log')?.toString()).toBe('line 1\nline 2\nline 3\n');
  });

  it('answers a wrong position with 409 PositionNotEqualToLength and the object length, changing nothing', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());
    const responses = recordResponses(client);
    await client.append('build.log', Buffer.from('abc'));

    for (const position of ['0', '2', '4']) {
      expect(await rejectionOf(client.append('build.log', Buffer.from('x'), { position }))).toMatchObject({
        name: 'PositionNotEqualToLengthError',
        status: 409,
        code: 'PositionNotEqualToLength',
      });
      expect(responses.at(-1)?.headers).toMatchObject({ 'x-oss-next-append-position': '3' });
    }
    expect(local.getObject('build.log')?.toString()).toBe('abc');
    expect(local.stats().appends).toBe(1);
  });

  it('accepts position 0 again while the appendable object is empty, and an empty append changes nothing', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());
    expect((await client.append('build.log', Buffer.alloc(0))).nextAppendPosition).toBe('0');
    expect((await client.head('build.log')).res.headers).toMatchObject({ 'x-oss-object-type': 'Appendable' });
    expect((await client.append('build.log', Buffer.from('ab'), { position: '0' })).nextAppendPosition).toBe('2');

    const empty = await client.append('build.log', Buffer.alloc(0), { position: '2' });
    expect(empty.res.headers).toMatchObject({ 'x-oss-next-append-position': '2', 'x-oss-hash-crc64ecma': crc64('ab') });
    expect(local.getObject('build.log')?.toString()).toBe('ab');
  });

  it('refuses to append to a Normal object with 409 ObjectNotAppendable', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());
    await client.put('report.txt', Buffer.from('final'));

    const head = await client.head('report.txt');
    expect(head.res.headers).toMatchObject({ 'x-oss-object-type': 'Normal', 'x-oss-hash-crc64ecma': crc64('final') });
    expect(head.res.headers).not.toHaveProperty('x-oss-next-append-position');
    for (const position of ['0', '5']) {
      expect(await rejectionOf(client.append('report.txt', Buffer.from('more'), { position }))).toMatchObject({
        status: 409,
        code: 'ObjectNotAppendable',
      });
    }
    expect(local.getObject('report.txt')?.toString()).toBe('final');
  });

  it('lets a PutObject replace an appendable object with a Normal one, and a DeleteObject free the name', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());
    await client.append('build.log', Buffer.from('partial'));
    await client.put('build.log', Buffer.from('whole'));

    expect((await client.head('build.log')).res.headers).toMatchObject({ 'x-oss-object-type': 'Normal' });
    expect(await rejectionOf(client.append('build.log', Buffer.from('!'), { position: '5' }))).toMatchObject({
      code: 'ObjectNotAppendable',
    });

    await client.delete('build.log');
    expect((await client.append('build.log', Buffer.from('again'))).nextAppendPosition).toBe('5');
    expect(local.stats()).toMatchObject({ stored: 1, appends: 2 });
  });

  it('refuses an append that would pass maxObjectBytes with 400 EntityTooLarge, keeping the object', async () => {
    const local = await oss.start({ maxObjectBytes: 10 });
    const client = new OSS(local.clientOptions());
    await client.append('build.log', Buffer.from('12345678'));

    expect(await rejectionOf(client.append('build.log', Buffer.from('abc'), { position: '8' }))).toMatchObject({
      status: 400,
      code: 'EntityTooLarge',
    });
    expect(local.getObject('build.log')?.toString()).toBe('12345678');
    expect((await client.append('build.log', Buffer.from('ab'), { position: '8' })).nextAppendPosition).toBe('10');
  });

  it('checks the Content-MD5 of an append', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());
    const wrongMd5 = { headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==' } };
    expect(await rejectionOf(client.append('build.log', Buffer.from('x'), wrongMd5))).toMatchObject({
      status: 400,
      code: 'InvalidDigest',
    });
    expect(local.getObject('build.log')).toBeUndefined();
  });

  it('signs append and position as sub-resources, and refuses a missing or malformed position', async () => {
    const local = await oss.start();
    const body = Buffer.from('x');
    const query = { append: '', position: '0' };

    const unsignedPosition = await sendSigned(local, {
      method: 'POST',
      key: 'build.log',
      query: { append: '' },
      unsignedQuery: { position: '0' },
      body,
    });
    expect([unsignedPosition.status, errorCode(unsignedPosition.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    for (const position of [undefined, '', '-1', '1.5', 'abc']) {
      const malformed = await sendSigned(local, {
        method: 'POST',
        key: 'build.log',
        query: position === undefined ? { append: '' } : { append: '', position },
        body,
      });
      expect([malformed.status, errorCode(malformed.body)]).toEqual([400, 'MissingArgument']);
    }
    expect(local.getObject('build.log')).toBeUndefined();

    const signed = await sendSigned(local, { method: 'POST', key: 'build.log', query, body });
    expect(signed.status).toBe(200);
    expect(signed.headers['x-oss-next-append-position']).toBe('1');
  });
});
