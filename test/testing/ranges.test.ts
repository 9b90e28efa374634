import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type OSS from 'ali-oss';
import { crc64 } from 'crc64-ecma182.js';
import { describe, expect, it } from 'vitest';
import type { LocalOss } from '../../src/testing/index.js';
import { rejectionOf } from '../support/settlement.js';
import { useLocalOss } from '../support/local-oss.js';
import { errorCode, sendSigned } from './helpers.js';

const oss = useLocalOss();
const LOG = '0123456789';
const STANDARD = { 'x-oss-range-behavior': 'standard' };

/** A server holding build.log (LOG, stored by PutObject), and a client for it. */
async function startWithLog(): Promise<{ local: LocalOss; client: OSS }> {
  const local = await oss.start();
  const client = oss.heartbeatClient(local);
  await client.put('build.log', Buffer.from(LOG), { mime: 'text/plain', meta: { uid: 7, pid: 42 } });
  return { local, client };
}

const rangedGet = (client: OSS, headers: Record<string, string>): ReturnType<OSS['get']> =>
  client.get('build.log', undefined, { headers });
const headersOf = (result: { res: unknown }): Record<string, string> => (result.res as { headers: Record<string, string> }).headers;

// The table in src/testing/local-oss/range.ts, for a 10-byte object instead of 1000: [Range, status, body, Content-Range].
type Row = [range: string, status: 200 | 206, body: string, contentRange: string | undefined];
const whole = (range: string): Row => [range, 200, LOG, undefined];
const COMMON_ROWS: Row[] = [
  ['bytes=0-4', 206, '01234', 'bytes 0-4/10'],
  ['bytes=5-9', 206, '56789', 'bytes 5-9/10'],
  ['bytes=5-', 206, '56789', 'bytes 5-9/10'],
  ['bytes=-3', 206, '789', 'bytes 7-9/10'],
  ['bytes=0-', 206, LOG, 'bytes 0-9/10'],
  ['bytes=0-4,6-8', 206, '01234', 'bytes 0-4/10'],
  whole('byte=0-4'),
  whole('bytes=5-2'),
];

/** A test of one row: GET build.log with its Range and `headers`. */
const answersAsTheRowSays =
  (headers: Record<string, string>) =>
  async (...[range, status, body, contentRange]: Row): Promise<void> => {
    const { client } = await startWithLog();
    const got = await rangedGet(client, { Range: range, ...headers });
    expect([got.res.status, got.content.toString()]).toEqual([status, body]);
    expect(headersOf(got)['content-range']).toBe(contentRange);
  };

// By default OSS ignores a range that is not wholly inside the object.
const OUTSIDE_ROWS = ['bytes=0-10', 'bytes=5-20', 'bytes=10-20', 'bytes=10-', 'bytes=-20', 'bytes=-0'].map(whole);

describe('ranged GetObject without x-oss-range-behavior (OSS ignores an invalid range)', () => {
  it.each<Row>([...COMMON_ROWS, ...OUTSIDE_ROWS])('%s answers %i', answersAsTheRowSays({}));
});

describe('ranged GetObject with x-oss-range-behavior: standard', () => {
  it.each<Row>([
    ...COMMON_ROWS,
    ['bytes=0-10', 206, LOG, 'bytes 0-9/10'],
    ['bytes=5-20', 206, '56789', 'bytes 5-9/10'],
    ['bytes=-20', 206, LOG, 'bytes 0-9/10'],
  ])('%s answers %i', answersAsTheRowSays(STANDARD));

  it.each(['bytes=10-20', 'bytes=10-', 'bytes=-0'])('%s answers 416 InvalidRange', async (range) => {
    const { client } = await startWithLog();
    expect(await rejectionOf(rangedGet(client, { Range: range, ...STANDARD }))).toMatchObject({ status: 416, code: 'InvalidRange' });
  });

  it('answers 416 with Content-Range bytes */TOTAL and OSS error XML (ali-oss hides both)', async () => {
    const { local } = await startWithLog();
    const answer = await sendSigned(local, { method: 'GET', key: 'build.log', headers: { range: 'bytes=10-', ...STANDARD } });
    expect([answer.status, errorCode(answer.body)]).toEqual([416, 'InvalidRange']);
    expect(answer.headers['content-range']).toBe('bytes */10');
    expect(answer.body).toContain('<Message>The requested range cannot be satisfied</Message>');
  });

  it('answers 416 for any range of an empty object, which has no byte to send; 200 without the header', async () => {
    const { client } = await startWithLog();
    await client.put('empty.log', Buffer.alloc(0));
    for (const range of ['bytes=0-', 'bytes=-1']) {
      const get = (headers: Record<string, string>): ReturnType<OSS['get']> => client.get('empty.log', undefined, { headers });
      expect(await rejectionOf(get({ Range: range, ...STANDARD }))).toMatchObject({ status: 416 });
      expect((await get({ Range: range })).res.status).toBe(200);
    }
  });
});

describe('a ranged answer', () => {
  it('carries the whole object headers, its CRC-64 included, with the part Content-Range and Content-Length', async () => {
    const { client } = await startWithLog();
    const full = headersOf(await client.get('build.log'));
    const part = headersOf(await rangedGet(client, { Range: 'bytes=2-4', ...STANDARD }));
    expect(part).toMatchObject({
      'content-range': 'bytes 2-4/10',
      'content-length': '3',
      'accept-ranges': 'bytes',
      etag: full.etag,
      'last-modified': full['last-modified'],
      'content-type': 'text/plain',
      'x-oss-object-type': 'Normal',
      'x-oss-hash-crc64ecma': crc64(LOG),
      'x-oss-meta-uid': '7',
    });
  });

  it('serves a part across appends, with the appendable object next position, through getStream', async () => {
    const { client } = await startWithLog();
    let position = '0';
    for (const chunk of ['abc', 'def', 'ghi']) {
      position = (await client.append('live.log', Buffer.from(chunk), { position })).nextAppendPosition;
    }
    const { stream, res } = await client.getStream('live.log', { headers: { Range: 'bytes=2-6' } });
    expect(await text(stream as Readable)).toBe('cdefg');
    expect(res.status).toBe(206);
    expect(res.headers).toMatchObject({
      'content-range': 'bytes 2-6/9',
      'x-oss-object-type': 'Appendable',
      'x-oss-next-append-position': '9',
      'x-oss-hash-crc64ecma': crc64('abcdefghi'),
    });
  });

  it('is not given to HEAD, which ignores Range', async () => {
    const { client } = await startWithLog();
    for (const headers of [{ Range: 'bytes=2-4' }, { Range: 'bytes=10-', ...STANDARD }]) {
      const head = await client.head('build.log', { headers });
      expect(head.status).toBe(200);
      expect(head.res.headers).toMatchObject({ 'content-length': '10' });
      expect(head.res.headers).not.toHaveProperty('content-range');
    }
  });
});

describe('a log follower', () => {
  it('reads only what is new with the header, and is told 416 when nothing is', async () => {
    const { client } = await startWithLog();
    await client.append('live.log', Buffer.from('step 1\n'));
    const follow = (offset: number): ReturnType<OSS['get']> =>
      client.get('live.log', undefined, { headers: { Range: `bytes=${offset}-`, ...STANDARD } });

    expect((await follow(0)).content.toString()).toBe('step 1\n');
    expect(await rejectionOf(follow(7))).toMatchObject({ status: 416 });
    await client.append('live.log', Buffer.from('step 2\n'), { position: '7' });
    expect((await follow(7)).content.toString()).toBe('step 2\n');
  });

  it('without the header, re-reads its last byte: a one-byte 206 when nothing is new, a 200 when its offset is gone', async () => {
    const { client } = await startWithLog();
    await client.append('live.log', Buffer.from('step 1\n'));
    const lastByteOn = (offset: number): ReturnType<OSS['get']> =>
      client.get('live.log', undefined, { headers: { Range: `bytes=${offset - 1}-` } });

    const nothingNew = await lastByteOn(7);
    expect([nothingNew.res.status, nothingNew.content.toString()]).toEqual([206, '\n']);
    await client.put('live.log', Buffer.from('new\n'));
    const replaced = await lastByteOn(7);
    expect([replaced.res.status, replaced.content.toString()]).toEqual([200, 'new\n']);
  });
});
