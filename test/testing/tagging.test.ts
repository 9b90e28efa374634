import type OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import type { LocalOss } from '../../src/testing/index.js';
import { rejectionOf } from '../support/settlement.js';
import { useLocalOss } from '../support/local-oss.js';
import { errorCode, sendSigned, type PlainResponse } from './helpers.js';

const oss = useLocalOss();

/** ali-oss 6's object tagging methods, which @types/ali-oss does not declare. */
interface TaggingClient extends OSS {
  putObjectTagging(name: string, tag: Record<string, string>): Promise<{ status: number }>;
  getObjectTagging(name: string): Promise<{ status: number; tag: Record<string, string> }>;
  deleteObjectTagging(name: string): Promise<{ status: number }>;
}

/** A server holding build.log, and a client for it. */
async function startWithLog(): Promise<{ local: LocalOss; client: TaggingClient }> {
  const local = await oss.start();
  const client = oss.heartbeatClient(local) as TaggingClient;
  await client.put('build.log', Buffer.from('step 1\n'));
  return { local, client };
}

/** PutObjectTagging with a body of our own: ali-oss checks tags itself, and would not send most bad ones. */
const putTaggingXml = (local: LocalOss, xml: string): Promise<PlainResponse> =>
  sendSigned(local, { method: 'PUT', key: 'build.log', query: { tagging: '' }, body: Buffer.from(xml) });
const taggingXml = (pairs: readonly (readonly [string, string])[]): string =>
  `<Tagging><TagSet>${pairs.map(([key, value]) => `<Tag><Key>${key}</Key><Value>${value}</Value></Tag>`).join('')}</TagSet></Tagging>`;
const numbered = (count: number): [string, string][] => Array.from({ length: count }, (_, index) => [`k${index}`, `v${index}`]);
const headersOf = (result: { res: unknown }): Record<string, string> => (result.res as { headers: Record<string, string> }).headers;

describe('PutObjectTagging, GetObjectTagging and DeleteObjectTagging', () => {
  it('put replaces the tag set, get reads it, delete empties it', async () => {
    const { local, client } = await startWithLog();
    expect((await client.getObjectTagging('build.log')).tag).toEqual({});

    expect((await client.putObjectTagging('build.log', { state: 'running', step: '1' })).status).toBe(200);
    expect((await client.getObjectTagging('build.log')).tag).toEqual({ state: 'running', step: '1' });
    await client.putObjectTagging('build.log', { state: 'done' });
    expect((await client.getObjectTagging('build.log')).tag).toEqual({ state: 'done' });
    expect(local.getTags('build.log')).toEqual({ state: 'done' });

    expect((await client.deleteObjectTagging('build.log')).status).toBe(204);
    expect((await client.getObjectTagging('build.log')).tag).toEqual({});
    expect(local.getTags('build.log')).toEqual({});
    expect(local.getTags('never-stored')).toBeUndefined();
  });

  it('changes neither the body, nor ETag, nor Last-Modified', async () => {
    const { local, client } = await startWithLog();
    const before = headersOf(await client.head('build.log'));
    // A minute later (well inside the 15-minute skew), so a changed Last-Modified would show.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 });
    try {
      await client.putObjectTagging('build.log', { state: 'done' });
      await client.deleteObjectTagging('build.log');
      expect(headersOf(await client.head('build.log'))).toMatchObject({ etag: before.etag, 'last-modified': before['last-modified'] });
      // The control: a write in that later minute does change Last-Modified.
      await client.append('other.log', Buffer.from('x'));
      expect(headersOf(await client.head('other.log'))['last-modified']).not.toBe(before['last-modified']);
    } finally {
      vi.useRealTimers();
    }
    expect(local.getObject('build.log')?.toString()).toBe('step 1\n');
    expect(local.stats()).toMatchObject({ stored: 1, appends: 1, objects: 2 });
  });

  it('answers 404 NoSuchKey for a missing object, to all three', async () => {
    const { client } = await startWithLog();
    for (const call of [
      client.putObjectTagging('missing.log', { state: 'done' }),
      client.getObjectTagging('missing.log'),
      client.deleteObjectTagging('missing.log'),
    ]) {
      expect(await rejectionOf(call)).toMatchObject({ status: 404, code: 'NoSuchKey' });
    }
  });

  it('answers GetObjectTagging in OSS XML, an empty value included', async () => {
    const { local, client } = await startWithLog();
    expect((await putTaggingXml(local, taggingXml([['state', 'done'], ['note', '']]))).status).toBe(200);
    const got = await sendSigned(local, { method: 'GET', key: 'build.log', query: { tagging: '' } });
    expect(got.headers['content-type']).toBe('application/xml');
    expect(got.body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Tagging>\n {2}<TagSet>\n {4}<Tag>\n {6}<Key>state<\/Key>/);
    expect((await client.getObjectTagging('build.log')).tag).toEqual({ state: 'done', note: '' });
  });
});

describe('the tag rules', () => {
  const CHARACTERS = 'aZ09 +-=._:/';
  it.each<[string, [string, string][]]>([
    ['10 tags', numbered(10)],
    ['a 128-character key', [['k'.repeat(128), 'v']]],
    ['a 256-character value', [['k', 'v'.repeat(256)]]],
    ['an empty value', [['k', '']]],
    [`letters, digits, space and ${CHARACTERS.slice(5)}`, [[CHARACTERS, CHARACTERS]]],
    ['keys that differ only in case', [['Step', '1'], ['step', '2']]],
  ])('take %s', async (_name, pairs) => {
    const { local } = await startWithLog();
    expect((await putTaggingXml(local, taggingXml(pairs))).status).toBe(200);
    expect(local.getTags('build.log')).toEqual(Object.fromEntries(pairs));
  });

  it.each<[string, string, string]>([
    ['11 tags', 'InvalidTag', taggingXml(numbered(11))],
    ['a 129-character key', 'InvalidTag', taggingXml([['k'.repeat(129), 'v']])],
    ['an empty key', 'InvalidTag', taggingXml([['', 'v']])],
    ['a 257-character value', 'InvalidTag', taggingXml([['k', 'v'.repeat(257)]])],
    ['a key with @', 'InvalidTag', taggingXml([['a@b', 'v']])],
    ['a value with an escaped &', 'InvalidTag', taggingXml([['k', 'a&amp;b']])],
    ['a non-ASCII letter', 'InvalidTag', taggingXml([['k', 'ü']])],
    ['a key twice', 'InvalidTag', taggingXml([['k', '1'], ['k', '2']])],
    ['XML cut short', 'MalformedXML', taggingXml([['k', 'v']]).replace('</Tagging>', '')],
    ['a Tag without its Value', 'MalformedXML', '<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>'],
  ])('refuse %s with 400 %s, keeping the tags the object had', async (_name, code, xml) => {
    const { local, client } = await startWithLog();
    await client.putObjectTagging('build.log', { state: 'running' });
    const refused = await putTaggingXml(local, xml);
    expect([refused.status, errorCode(refused.body)]).toEqual([400, code]);
    expect(local.getTags('build.log')).toEqual({ state: 'running' });
  });

  it('refuses what ali-oss lets through: its `+-=` is a character range, which admits ; and ,', async () => {
    const { local, client } = await startWithLog();
    for (const value of ['a;b', 'a,b']) {
      expect(await rejectionOf(client.putObjectTagging('build.log', { state: value }))).toMatchObject({ status: 400, code: 'InvalidTag' });
    }
    expect(local.getTags('build.log')).toEqual({});
  });
});

describe('tags live and die with the object', () => {
  it('DeleteObject removes them, and a PutObject that replaces the object replaces them', async () => {
    const { local, client } = await startWithLog();
    await client.putObjectTagging('build.log', { state: 'done' });
    await client.put('build.log', Buffer.from('again\n'));
    expect(local.getTags('build.log')).toEqual({});

    await client.put('build.log', Buffer.from('tagged\n'), { headers: { 'x-oss-tagging': 'state=running&owner=ci%3A42&flag' } });
    expect(local.getTags('build.log')).toEqual({ state: 'running', owner: 'ci:42', flag: '' });
    await client.delete('build.log');
    expect(local.getTags('build.log')).toBeUndefined();
    await client.append('build.log', Buffer.from('new\n'));
    expect(local.getTags('build.log')).toEqual({});
  });

  it('AppendObject takes x-oss-tagging when it creates the object, and ignores it on later appends', async () => {
    const { local, client } = await startWithLog();
    const first = await client.append('live.log', Buffer.from('1\n'), { headers: { 'x-oss-tagging': 'state=running' } });
    await client.append('live.log', Buffer.from('2\n'), { position: first.nextAppendPosition, headers: { 'x-oss-tagging': 'state=done' } });
    // Ignored, not checked: a later append with a bad header still lands.
    await client.append('live.log', Buffer.from('3\n'), { position: '4', headers: { 'x-oss-tagging': 'a=b=c' } });
    expect(local.getTags('live.log')).toEqual({ state: 'running' });
    expect(local.getObject('live.log')?.toString()).toBe('1\n2\n3\n');
  });

  it('a bad x-oss-tagging refuses the PutObject or the creating append with 400 InvalidTag, storing nothing', async () => {
    const { local, client } = await startWithLog();
    const badTagging = { headers: { 'x-oss-tagging': 'aa=bb=cc' } };
    expect(await rejectionOf(client.put('build.log', Buffer.from('x'), badTagging))).toMatchObject({ status: 400, code: 'InvalidTag' });
    expect(await rejectionOf(client.append('live.log', Buffer.from('x'), badTagging))).toMatchObject({ status: 400, code: 'InvalidTag' });
    const elevenTags = { headers: { 'x-oss-tagging': numbered(11).map((pair) => pair.join('=')).join('&') } };
    expect(await rejectionOf(client.put('build.log', Buffer.from('x'), elevenTags))).toMatchObject({ status: 400, code: 'InvalidTag' });
    expect(local.getObject('build.log')?.toString()).toBe('step 1\n');
    expect(local.getObject('live.log')).toBeUndefined();
    expect(local.stats()).toMatchObject({ stored: 1, appends: 0 });
  });
});

describe('tagging requests', () => {
  it('can be hit by injected faults, by operation', async () => {
    const { local, client } = await startWithLog();
    local.faults.inject({ kind: 'internal-error', match: { operation: 'GetObjectTagging' } });
    local.faults.inject({ kind: 'reset-after-apply', match: { operation: ['PutObjectTagging', 'DeleteObjectTagging'] }, count: 2 });

    expect(await rejectionOf(client.getObjectTagging('build.log'))).toMatchObject({ status: 500, code: 'InternalError' });
    // Applied, then the connection reset: the client sees a network error although the tags changed.
    expect(await rejectionOf(client.putObjectTagging('build.log', { state: 'done' }))).toMatchObject({ status: -1 });
    expect(local.getTags('build.log')).toEqual({ state: 'done' });
    expect(await rejectionOf(client.deleteObjectTagging('build.log'))).toMatchObject({ status: -1 });
    expect(local.getTags('build.log')).toEqual({});
    expect(local.stats().faults).toMatchObject({ 'internal-error': 1, 'reset-after-apply': 2 });
  });

  it('are routed only as OSS has them: another sub-resource beside tagging, HEAD or POST ?tagging, are not implemented', async () => {
    const { local } = await startWithLog();
    for (const [method, query] of [
      ['GET', { tagging: '', acl: '' }],
      ['HEAD', { tagging: '' }],
      ['POST', { tagging: '' }],
    ] as const) {
      expect((await sendSigned(local, { method, key: 'build.log', query })).status).toBe(501);
    }
  });
});
