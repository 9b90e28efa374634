import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import Agent from 'agentkeepalive';
import OSS from 'ali-oss';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalOss, type LocalOss, type LocalOssOptions } from '../../src/testing/index.js';
import { rejectionOf } from '../oss/helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options?: LocalOssOptions): Promise<LocalOss> {
  const oss = await startLocalOss(options);
  cleanups.push(() => oss.close());
  return oss;
}

/** A client whose own timers outlast the server's idle limit, so the server's FIN is what it sees. */
function patientClient(oss: LocalOss, timeoutMs = 30_000): OSS {
  const agent = new Agent({ keepAlive: true, timeout: timeoutMs });
  cleanups.push(() => agent.destroy());
  // `agent` is missing from @types/ali-oss, so the options go through a variable.
  const options = { ...oss.clientOptions(), timeout: timeoutMs, agent };
  return new OSS(options);
}

/** A source that sends `first`, then nothing: a build step that has gone quiet. */
function silentAfter(first: string): Readable {
  const source = new Readable({ read() {} });
  source.push(first);
  cleanups.push(() => source.destroy());
  return source;
}

/** A source that sends `chunks`, pausing `pauseMs` between them. */
function paced(chunks: string[], pauseMs: number): Readable {
  return Readable.from(
    (async function* () {
      for (const [index, chunk] of chunks.entries()) {
        if (index > 0) await sleep(pauseMs);
        yield Buffer.from(chunk);
      }
    })(),
  );
}

/** Lets the event loop run until `done()` or 2 s pass, without timers of its own that would be counted. */
async function settle(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!done() && performance.now() < deadline) await new Promise(setImmediate);
}

const quotedMd5 = (body: Buffer): string => `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;

describe('startLocalOss', () => {
  it('round-trips put, putStream, get, head and delete through ali-oss', async () => {
    const oss = await start({ idleLimitMs: 1000 });
    const client = patientClient(oss);
    const body = Buffer.from('{"hello":"world"}');

    const put = await client.put('dir/a b+ü.json', body, { mime: 'application/json', meta: { uid: 7, pid: 42 } });
    expect(put.res.status).toBe(200);
    expect(put.res.headers).toMatchObject({ etag: quotedMd5(body) });
    expect(oss.getObject('dir/a b+ü.json')).toEqual(body);

    const streamed = await client.putStream('logs/build.log', Readable.from(['line 1\n', 'line 2\n']));
    expect(streamed.res.status).toBe(200);
    expect(oss.getObject('logs/build.log')?.toString()).toBe('line 1\nline 2\n');

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

    expect((await client.delete('dir/a b+ü.json')).res.status).toBe(204);
    expect((await client.delete('never-stored')).res.status).toBe(204);
    expect(oss.getObject('dir/a b+ü.json')).toBeUndefined();
    const missing = await rejectionOf(client.get('dir/a b+ü.json'));
    expect(missing).toMatchObject({ status: 404, code: 'NoSuchKey' });
    expect(missing.requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(await rejectionOf(client.head('dir/a b+ü.json'))).toMatchObject({ status: 404, code: 'NoSuchKey' });
    expect(oss.stats()).toMatchObject({ stored: 2, idleClosed: 0, aborted: 0 });
  });

  it('rejects a wrong secret with SignatureDoesNotMatch and keeps both secrets out of the error', async () => {
    const oss = await start({ idleLimitMs: 1000 });
    const wrongSecret = 'wrong-secret-0123456789';
    const client = new OSS({ ...oss.clientOptions(), accessKeySecret: wrongSecret });

    const error = await rejectionOf(client.put('k', Buffer.from('x')));
    expect(error).toMatchObject({
      name: 'SignatureDoesNotMatchError',
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    expect(error.requestId).toMatch(/^[0-9A-F]{24}$/);
    const text = `${error.message}\n${error.stack}\n${inspect(error, { depth: 4 })}`;
    expect(text).not.toContain(wrongSecret);
    expect(text).not.toContain(oss.accessKeySecret);
    // HEAD has no body; ali-oss reads the error from the x-oss-err header instead.
    expect(await rejectionOf(client.head('k'))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(oss.stats().stored).toBe(0);
  });

  it('rejects a wrong access key id, a wrong bucket and a missing signature', async () => {
    const oss = await start({ idleLimitMs: 1000 });
    const wrongId = new OSS({ ...oss.clientOptions(), accessKeyId: 'LTAIunknown' });
    expect(await rejectionOf(wrongId.put('k', Buffer.from('x')))).toMatchObject({
      status: 403,
      code: 'InvalidAccessKeyId',
    });
    const wrongBucket = new OSS({ ...oss.clientOptions(), bucket: 'some-other-bucket' });
    expect(await rejectionOf(wrongBucket.get('k'))).toMatchObject({ status: 404, code: 'NoSuchBucket' });
    const v4 = new OSS({ ...oss.clientOptions(), authorizationV4: true });
    expect(await rejectionOf(v4.get('k'))).toMatchObject({ status: 400, code: 'InvalidArgument' });

    const anonymous = await fetch(`${oss.endpoint}/k`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('content-type')).toBe('application/xml');
    const xml = await anonymous.text();
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error>\n {2}<Code>AccessDenied<\/Code>\n/);
    expect(xml).toContain(`<RequestId>${anonymous.headers.get('x-oss-request-id')}</RequestId>`);
  });

  it('rejects a body that does not match its Content-MD5, and operations it does not implement', async () => {
    const oss = await start({ idleLimitMs: 1000 });
    const client = new OSS(oss.clientOptions());
    const wrongMd5 = { headers: { 'Content-MD5': createHash('md5').update('other').digest('base64') } };
    expect(await rejectionOf(client.put('k', Buffer.from('x'), wrongMd5))).toMatchObject({
      status: 400,
      code: 'InvalidDigest',
    });
    expect(await rejectionOf(client.list(null, {}))).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(await rejectionOf(client.putACL('k', 'private'))).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(oss.stats().stored).toBe(0);
  });

  describe('a body that goes silent', () => {
    type Urllib = { request(...args: unknown[]): Promise<unknown> };

    /** ali-oss rebuilds urllib's error and drops its code; keep the original to see ECONNRESET. */
    function keepRawErrors(client: OSS): unknown[] {
      const raw: unknown[] = [];
      const holder = client as unknown as { urllib: Urllib };
      const { urllib } = holder;
      holder.urllib = {
        request: (...args) =>
          urllib.request(...args).catch((error: unknown) => {
            raw.push(error);
            throw error;
          }),
      };
      return raw;
    }

    it('is ended by the server after idleLimitMs and nothing is stored', async () => {
      const oss = await start({ idleLimitMs: 500 });
      const client = patientClient(oss);
      const raw = keepRawErrors(client);
      const startedAt = performance.now();
      const error = await rejectionOf(client.putStream('build.log', silentAfter('step 1\n')));
      const elapsed = performance.now() - startedAt;

      // socket hang up comes from Node's socketOnEnd: the client saw a FIN, as from OSS, not a reset.
      expect(error).toMatchObject({ name: 'ResponseError', code: 'ResponseError', status: -1 });
      expect(error.message).toMatch(/^socket hang up/);
      expect(raw).toMatchObject([{ code: 'ECONNRESET' }]);
      expect(elapsed).toBeGreaterThanOrEqual(490);
      expect(oss.getObject('build.log')).toBeUndefined();
      expect(oss.stats()).toMatchObject({ stored: 0, idleClosed: 1, aborted: 0 });
    });

    it('fails with ResponseTimeoutError when the client times out first', async () => {
      const oss = await start({ idleLimitMs: 1000 });
      const client = patientClient(oss, 200);
      const error = await rejectionOf(client.putStream('build.log', silentAfter('step 1\n')));

      expect(error.name).toBe('ResponseTimeoutError');
      await vi.waitFor(() => expect(oss.stats().aborted).toBe(1));
      expect(oss.stats()).toMatchObject({ stored: 0, idleClosed: 0 });
    });

    it('fails a default client too', async () => {
      const oss = await start({ idleLimitMs: 300 });
      const client = new OSS(oss.clientOptions());
      const raw = keepRawErrors(client);
      const error = await rejectionOf(client.putStream('build.log', silentAfter('step 1\n')));

      expect(error).toMatchObject({ name: 'ResponseError', status: -1 });
      expect(raw).toMatchObject([{ code: 'ECONNRESET' }]);
      expect(oss.stats()).toMatchObject({ stored: 0, idleClosed: 1 });
    });
  });

  it('stores a body whose pauses stay under the idle limit, and reports the longest pause', async () => {
    const oss = await start({ idleLimitMs: 1000 });
    await patientClient(oss).putStream('build.log', paced(['step 1\n', 'step 2\n', 'done\n'], 400));

    expect(oss.getObject('build.log')?.toString()).toBe('step 1\nstep 2\ndone\n');
    expect(oss.stats().maxBodyGapMs).toBeGreaterThanOrEqual(350);
    expect(oss.stats()).toMatchObject({ stored: 1, idleClosed: 0, aborted: 0 });
  });

  it('stores nothing when the client aborts mid-body', async () => {
    const oss = await start({ idleLimitMs: 5000 });
    const req = request(`${oss.endpoint}/build.log`, { method: 'PUT', agent: false, headers: { 'Transfer-Encoding': 'chunked' } });
    req.on('error', () => {});
    req.write('partial ');
    await vi.waitFor(() => expect(oss.stats().maxBodyGapMs).toBeGreaterThan(0));
    req.destroy();

    await vi.waitFor(() => expect(oss.stats().aborted).toBe(1));
    expect(oss.getObject('build.log')).toBeUndefined();
    expect(oss.stats()).toMatchObject({ stored: 0, idleClosed: 0 });
  });

  const wrongType = (value: unknown): never => value as never;
  it.each<[string, LocalOssOptions | undefined, ErrorConstructor, string]>([
    ['options', wrongType('fast'), TypeError, 'options must be an object, got "fast"'],
    ['idleLimitMs type', { idleLimitMs: wrongType('60s') }, TypeError, 'idleLimitMs must be a positive finite number, got "60s"'],
    ['idleLimitMs zero', { idleLimitMs: 0 }, RangeError, 'idleLimitMs must be a positive finite number, got 0'],
    ['idleLimitMs NaN', { idleLimitMs: NaN }, RangeError, 'idleLimitMs must be a positive finite number, got NaN'],
    ['idleLimitMs Infinity', { idleLimitMs: Infinity }, RangeError, 'must be a positive finite number, got Infinity'],
    ['idleLimitMs too long', { idleLimitMs: 2 ** 31 }, RangeError, 'idleLimitMs must be at most 2147483647 ms, got 2147483648'],
    ['port type', { port: wrongType('8080') }, TypeError, 'port must be an integer from 0 to 65535, got "8080"'],
    ['port fraction', { port: 1.5 }, RangeError, 'port must be an integer from 0 to 65535, got 1.5'],
    ['port too big', { port: 65_536 }, RangeError, 'port must be an integer from 0 to 65535, got 65536'],
    ['port negative', { port: -1 }, RangeError, 'port must be an integer from 0 to 65535, got -1'],
    ['host type', { host: wrongType(127) }, TypeError, 'host must be a non-empty string, got 127'],
    ['host empty', { host: '' }, RangeError, 'host must be a non-empty string, got ""'],
    ['bucket type', { bucket: wrongType(null) }, TypeError, 'bucket must be a string, got null'],
    [
      'bucket uppercase',
      { bucket: 'My-Bucket' },
      RangeError,
      'bucket must be 3-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen, got "My-Bucket"',
    ],
    ['bucket short', { bucket: 'ab' }, RangeError, 'got "ab"'],
    ['bucket hyphen', { bucket: '-abc' }, RangeError, 'got "-abc"'],
    ['bucket long', { bucket: 'a'.repeat(64) }, RangeError, `got "${'a'.repeat(64)}"`],
    ['accessKeyId type', { accessKeyId: wrongType(42) }, TypeError, 'accessKeyId must be a non-empty string, got a number'],
    ['accessKeyId empty', { accessKeyId: '' }, RangeError, 'accessKeyId must be a non-empty string, got an empty string'],
    ['accessKeySecret type', { accessKeySecret: wrongType(1234567) }, TypeError, 'accessKeySecret must be a non-empty string, got a number'],
    ['accessKeySecret object', { accessKeySecret: wrongType({ s: 1234567 }) }, TypeError, 'got an object'],
    ['accessKeySecret empty', { accessKeySecret: '' }, RangeError, 'accessKeySecret must be a non-empty string, got an empty string'],
    ['maxObjectBytes type', { maxObjectBytes: wrongType('5GB') }, TypeError, 'maxObjectBytes must be a positive integer, got "5GB"'],
    ['maxObjectBytes zero', { maxObjectBytes: 0 }, RangeError, 'maxObjectBytes must be a positive integer, got 0'],
    ['maxObjectBytes fraction', { maxObjectBytes: 1.5 }, RangeError, 'maxObjectBytes must be a positive integer, got 1.5'],
  ])('rejects a bad %s', async (_name, options, errorClass, message) => {
    const error = await rejectionOf(startLocalOss(options));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('1234567'); // the accessKeySecret rows' values
  });

  it('leaves no server, socket or timer behind after close()', async () => {
    const watched = ['TCPServerWrap', 'TCPSocketWrap', 'Timeout'];
    const countOf = (type: string): number => process.getActiveResourcesInfo().filter((r) => r === type).length;
    // Earlier tests' handles and Vitest's own timers finish closing a moment later.
    await settle(() => watched.every((type) => countOf(type) === 0));
    const before = new Map(watched.map((type) => [type, countOf(type)]));
    const leftOver = (): string[] => watched.filter((type) => countOf(type) > before.get(type)!);

    const oss = await startLocalOss({ idleLimitMs: 10_000 });
    // A request in mid-body holds a socket and an idle timer that close() must clean up.
    const req = request(`${oss.endpoint}/slow`, { method: 'PUT', agent: false, headers: { 'Transfer-Encoding': 'chunked' } });
    const reqClosed = new Promise((resolve) => req.once('close', resolve));
    req.on('error', () => {});
    req.write('partial ');
    await vi.waitFor(() => expect(oss.stats().maxBodyGapMs).toBeGreaterThan(0));
    // And a keep-alive socket left idle in ali-oss's shared agent.
    await new OSS(oss.clientOptions()).put('k', Buffer.from('x'));

    await oss.close();
    await reqClosed;
    await settle(() => leftOver().length === 0);
    expect(leftOver()).toEqual([]);
  });
});
