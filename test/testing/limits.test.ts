import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { crc64 } from 'crc64-ecma182.js';
import { describe, expect, it, vi } from 'vitest';
import type { LocalOss } from '../../src/testing/index.js';
import { muteUrllibWarnings, useLocalOss, WAIT } from '../support/local-oss.js';
import { rejectionOf } from '../support/settlement.js';
import { signedHeaders } from './helpers.js';

const oss = useLocalOss();
muteUrllibWarnings();
const MiB = 1024 ** 2;

/** Sends only the head of a PUT of `contentLength` bytes and waits for the first bytes of the answer. */
async function putHead(
  local: LocalOss,
  contentLength: number,
  headers: Record<string, string> = {},
): Promise<{ socket: Socket; answer: string }> {
  const socket = connect(Number(new URL(local.endpoint).port), '127.0.0.1');
  oss.defer(() => socket.destroy());
  socket.on('error', () => {});
  const lines = Object.entries({ Host: new URL(local.endpoint).host, ...headers, 'Content-Length': contentLength });
  socket.write(`PUT /big HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`);
  const [answer] = (await once(socket, 'data')) as [Buffer];
  return { socket, answer: answer.toString() };
}

/** Writes `bytes` zero bytes in 1 MiB chunks, waiting for the socket to take each. */
async function writeZeros(socket: Socket, bytes: number): Promise<void> {
  for (let sent = 0; sent < bytes; sent += MiB) {
    if (!socket.write(Buffer.alloc(Math.min(MiB, bytes - sent)))) await once(socket, 'drain');
  }
}

describe('startLocalOss limits', () => {
  it('refuses an unsigned upload from its headers alone, then reads and drops its body without keeping any', async () => {
    const local = await oss.start();
    const { socket, answer } = await putHead(local, 32 * MiB);
    // Answered before a byte of the body was sent.
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer).toContain('<Code>AccessDenied</Code>');

    await writeZeros(socket, 32 * MiB);
    await vi.waitFor(() => expect(local.stats().bodyBytesDiscarded).toBe(32 * MiB), WAIT);
    expect(local.stats()).toMatchObject({ bodyBytesBuffered: 0, objects: 0, aborted: 0 });
    // Drained, not cut: the connection takes the next request.
    socket.write(`GET /big HTTP/1.1\r\nHost: ${new URL(local.endpoint).host}\r\n\r\n`);
    const [next] = (await once(socket, 'data')) as [Buffer];
    expect(next.toString()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
  });

  it('gives a streamed upload with a wrong secret its 403 without buffering the body', async () => {
    const local = await oss.start();
    const client = new OSS({ ...local.clientOptions(), accessKeySecret: 'wrong-secret-0123456789' });
    const source = Readable.from((function* () {
      for (let i = 0; i < 16; i += 1) yield Buffer.alloc(MiB);
    })());
    oss.defer(() => source.destroy());

    expect(await rejectionOf(client.putStream('big', source))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(local.stats()).toMatchObject({ bodyBytesBuffered: 0, objects: 0 });
  });

  it('refuses a declared Content-Length over maxBodyBytes at once with 400 EntityTooLarge; the connection stays usable', async () => {
    const local = await oss.start({ maxBodyBytes: 1000 });
    const client = new OSS(local.clientOptions());
    expect(await rejectionOf(client.put('k', Buffer.alloc(1001)))).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(await rejectionOf(client.append('k', Buffer.alloc(1001)))).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(local.stats()).toMatchObject({ bodyBytesBuffered: 0, objects: 0 });

    await client.put('k', Buffer.alloc(1000));
    expect(local.stats()).toMatchObject({ bodyBytesBuffered: 1000, stored: 1 });
  });

  it('refuses from its Content-Length alone a body over the default maxBodyBytes (256 MiB)', async () => {
    const local = await oss.start();
    const { answer } = await putHead(local, 256 * MiB + 1, signedHeaders(local, { method: 'PUT', key: 'big' }));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('<Code>EntityTooLarge</Code>');
  });

  it('refuses from its Content-Length alone a PutObject over the default maxObjectBytes (5 GiB, as OSS)', async () => {
    const local = await oss.start({ maxBodyBytes: 6 * 1024 * MiB });
    const { answer } = await putHead(local, 5 * 1024 * MiB + 1, signedHeaders(local, { method: 'PUT', key: 'big' }));
    expect(answer).toContain('<Code>EntityTooLarge</Code>');
  });

  it('refuses a chunked body as soon as it passes maxBodyBytes, and keeps nothing of it', async () => {
    const local = await oss.start({ maxBodyBytes: 1000 });
    const client = new OSS(local.clientOptions());
    const chunks = Readable.from([Buffer.alloc(600), Buffer.alloc(600), Buffer.alloc(600)]);

    expect(await rejectionOf(client.putStream('k', chunks))).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(local.getObject('k')).toBeUndefined();
    expect(local.stats().bodyBytesBuffered).toBeLessThanOrEqual(1000);
  });

  it('refuses a PutObject larger than maxObjectBytes with 400 EntityTooLarge', async () => {
    const local = await oss.start({ maxObjectBytes: 10 });
    const client = new OSS(local.clientOptions());
    expect(await rejectionOf(client.put('k', Buffer.alloc(11)))).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    await client.put('k', Buffer.alloc(10));
    expect(local.getObject('k')).toHaveLength(10);
  });

  it('stores a PutObject and an append past 16 MiB, the CRC library\'s own buffer limit', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());
    const body = Buffer.alloc(20 * MiB, 'log line\n');
    let expected = '0';
    for (let offset = 0; offset < body.length; offset += MiB) expected = crc64(body.subarray(offset, offset + MiB), expected);

    expect((await client.put('whole.log', body)).res.headers).toMatchObject({ 'x-oss-hash-crc64ecma': expected });
    expect((await client.append('live.log', body)).res.headers).toMatchObject({ 'x-oss-hash-crc64ecma': expected });
    expect(local.getObject('live.log')?.equals(body)).toBe(true);
  });
});
