import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { startLocalOss, type FaultSpec, type LocalOss } from '../../src/testing/index.js';
import { muteUrllibWarnings, useLocalOss } from '../support/local-oss.js';
import { rejectionOf } from '../support/settlement.js';

const oss = useLocalOss();
muteUrllibWarnings();

/** A server with 'one\n' appended to build.log, and a client for it. */
async function startWithLog(): Promise<{ local: LocalOss; client: OSS }> {
  const local = await oss.start();
  const client = new OSS(local.clientOptions());
  await client.append('build.log', Buffer.from('one\n'));
  return { local, client };
}

const appendTwo = (client: OSS): Promise<unknown> => client.append('build.log', Buffer.from('two\n'), { position: '4' });

describe('fault injection', () => {
  it("'reset-before-apply' resets the connection: a network error, and the append is not applied", async () => {
    const { local, client } = await startWithLog();
    local.faults.inject({ kind: 'reset-before-apply' });

    expect(await rejectionOf(appendTwo(client))).toMatchObject({ status: -1, message: expect.stringMatching(/ECONNRESET|socket hang up/) });
    expect(local.getObject('build.log')?.toString()).toBe('one\n');
    expect(local.stats()).toMatchObject({ appends: 1, faults: { 'reset-before-apply': 1 } });
    // Applied to one request only: the retry lands.
    await appendTwo(client);
    expect(local.getObject('build.log')?.toString()).toBe('one\ntwo\n');
  });

  it("'reset-after-apply' applies the append, then resets: the client's error hides a success", async () => {
    const { local, client } = await startWithLog();
    local.faults.inject({ kind: 'reset-after-apply' });

    expect(await rejectionOf(appendTwo(client))).toMatchObject({ status: -1 });
    expect(local.getObject('build.log')?.toString()).toBe('one\ntwo\n');
    expect((await client.head('build.log')).res.headers).toMatchObject({ 'x-oss-next-append-position': '8' });
    expect(local.stats()).toMatchObject({ appends: 2, faults: { 'reset-after-apply': 1 } });
  });

  it("'no-response' applies the append and stays silent until the client times out", async () => {
    const { local } = await startWithLog();
    const impatient = new OSS({ ...local.clientOptions(), timeout: 300 });
    local.faults.inject({ kind: 'no-response' });

    expect(await rejectionOf(appendTwo(impatient))).toMatchObject({ name: 'ResponseTimeoutError' });
    expect(local.getObject('build.log')?.toString()).toBe('one\ntwo\n');
    expect(local.stats().faults['no-response']).toBe(1);
  });

  it("'no-response' with closeAfterMs ends the silent connection without an answer", async () => {
    const { local, client } = await startWithLog();
    local.faults.inject({ kind: 'no-response', closeAfterMs: 100 });

    expect(await rejectionOf(appendTwo(client))).toMatchObject({ status: -1, message: expect.stringMatching(/^socket hang up/) });
    expect(local.getObject('build.log')?.toString()).toBe('one\ntwo\n');
  });

  it.each([
    ['internal-error', 500, 'InternalError'],
    ['service-unavailable', 503, 'ServiceUnavailable'],
  ] as const)("'%s' answers %i %s in OSS's XML and does not apply the append", async (kind, status, code) => {
    const { local, client } = await startWithLog();
    local.faults.inject({ kind });

    expect(await rejectionOf(appendTwo(client))).toMatchObject({ status, code, requestId: expect.stringMatching(/^[0-9A-F]{24}$/) });
    expect(local.getObject('build.log')?.toString()).toBe('one\n');
    expect(local.stats().faults[kind]).toBe(1);
  });

  it('hits only the next `count` requests that match its operation and key, in order of injection', async () => {
    const { local, client } = await startWithLog();
    local.faults.inject({ kind: 'service-unavailable', count: 2, match: { operation: 'AppendObject', key: 'build.log' } });
    local.faults.inject({ kind: 'internal-error', match: { operation: ['GetObject', 'HeadObject'] } });
    expect(local.faults.pending()).toBe(3);

    await client.put('other.txt', Buffer.from('x'));
    await client.append('other.log', Buffer.from('x'));
    expect(await rejectionOf(appendTwo(client))).toMatchObject({ status: 503 });
    expect(await rejectionOf(client.head('build.log'))).toMatchObject({ status: 500 });
    expect(await rejectionOf(appendTwo(client))).toMatchObject({ status: 503 });
    expect(local.faults.pending()).toBe(0);
    await appendTwo(client);
    await client.head('build.log');

    local.faults.inject({ kind: 'reset-before-apply', count: 5 });
    local.faults.clear();
    expect(local.faults.pending()).toBe(0);
    await client.get('build.log');
    expect(local.stats().faults).toEqual({
      'reset-before-apply': 0,
      'reset-after-apply': 0,
      'no-response': 0,
      'internal-error': 1,
      'service-unavailable': 2,
      offline: 0,
    });
  });

  it('goOffline refuses connections for a while, then serves again on the same port', async () => {
    const { local } = await startWithLog();
    // A new connection per request: a pooled one closed by goOffline could be picked before its close is seen.
    const client = new OSS({ ...local.clientOptions(), ...{ agent: new Agent({ keepAlive: false }) } });
    const back = local.faults.goOffline(300);

    expect(await rejectionOf(client.head('build.log'))).toMatchObject({ status: -1, message: expect.stringContaining('ECONNREFUSED') });
    await back;
    expect((await client.get('build.log')).content.toString()).toBe('one\n');
    expect(local.stats().faults.offline).toBe(1);
    await expect(local.faults.goOffline(0)).rejects.toThrow(RangeError);
  });

  it('closes open connections when going offline, ending a request in flight', async () => {
    const { local, client } = await startWithLog();
    local.faults.inject({ kind: 'no-response' });
    const silent = rejectionOf(appendTwo(client));
    await expect.poll(() => local.stats().faults['no-response']).toBe(1);

    const back = local.faults.goOffline(100);
    expect(await silent).toMatchObject({ status: -1 });
    await expect(local.faults.goOffline(100)).rejects.toThrow('goOffline: the server is already offline');
    await back;
  });

  const wrongType = (value: unknown): never => value as never;
  it.each<[string, FaultSpec, ErrorConstructor, string]>([
    ['spec', wrongType('reset'), TypeError, 'fault must be an object, got "reset"'],
    [
      'kind',
      { kind: wrongType('timeout') },
      TypeError,
      "kind must be one of 'reset-before-apply', 'reset-after-apply', 'no-response', 'internal-error', 'service-unavailable', got \"timeout\"",
    ],
    ['count type', { kind: 'no-response', count: wrongType('2') }, TypeError, 'count must be an integer of at least 1, got "2"'],
    ['count zero', { kind: 'no-response', count: 0 }, RangeError, 'count must be an integer of at least 1, got 0'],
    ['count fraction', { kind: 'no-response', count: 1.5 }, RangeError, 'count must be an integer of at least 1, got 1.5'],
    ['match', { kind: 'no-response', match: wrongType('append') }, TypeError, 'match must be an object, got "append"'],
    [
      'match.operation',
      { kind: 'no-response', match: { operation: wrongType('append') } },
      TypeError,
      'match.operation must be one of PutObject, AppendObject, GetObject, HeadObject, DeleteObject, PutObjectTagging, ' +
        'GetObjectTagging, DeleteObjectTagging, got "append"',
    ],
    ['match.key', { kind: 'no-response', match: { key: wrongType(7) } }, TypeError, 'match.key must be a string, got 7'],
    ['closeAfterMs kind', { kind: 'internal-error', closeAfterMs: 100 }, TypeError, "closeAfterMs applies only to 'no-response', not to 'internal-error'"],
    ['closeAfterMs value', { kind: 'no-response', closeAfterMs: -1 }, RangeError, 'closeAfterMs must be a positive finite number, got -1'],
  ])('refuses a bad %s', async (_name, spec, errorClass, message) => {
    const local = await oss.start();
    expect(() => local.faults.inject(spec)).toThrow(errorClass);
    expect(() => local.faults.inject(spec)).toThrow(message);
    expect(local.faults.pending()).toBe(0);
  });
});

// Not the README's example: readme.test.ts runs that from README.md. This one goes on past it, to an outage.
describe('a user test of fault injection', () => {
  it('meets an append that landed behind a reset, then an outage, with node:assert', async () => {
    const local = await startLocalOss();
    const client = new OSS(local.clientOptions());

    // The next append is applied, then its connection is reset before the answer.
    local.faults.inject({ kind: 'reset-after-apply', match: { operation: 'AppendObject' } });
    const error = (await client.append('build.log', Buffer.from('step 1\n')).catch((caught: unknown) => caught)) as { status: number };
    assert.equal(error.status, -1); // a network error...
    assert.equal(local.getObject('build.log')?.toString(), 'step 1\n'); // ...although the append landed

    // Refuses connections for 200 ms, then listens again on the same port.
    await local.faults.goOffline(200);
    const head = await client.head('build.log');
    assert.equal((head.res.headers as Record<string, string>)['x-oss-next-append-position'], '7');
    assert.equal(local.stats().faults['reset-after-apply'], 1);
    await local.close();
  });
});
