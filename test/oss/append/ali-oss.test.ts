import { Readable } from 'node:stream';
import OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import { appendStream, ObjectExistsError, ObjectNotAppendableError } from '../../../src/oss/index.js';
import { useLocalOss, WAIT } from '../../support/local-oss.js';
import { KEY } from './helpers.js';
import { logSource } from '../../support/sources.js';

const oss = useLocalOss();
/** Short enough that the tests take no time, long enough that a batch gathers lines. */
const FLUSH = { flushIntervalMs: 50 };

describe('appendStream through real ali-oss against startLocalOss', () => {
  it('marks the log complete beside the tags it was created with (x-oss-tagging), and an aborted one incomplete', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    await appendStream(client, KEY, Readable.from(['done\n']), { ...FLUSH, headers: { 'x-oss-tagging': 'team=ci' } });
    expect(local.getTags(KEY)).toMatchObject({ team: 'ci', 'heartbeat-readable:state': 'complete', 'heartbeat-readable:length': '5' });

    const controller = new AbortController();
    const source = logSource();
    const aborted = appendStream(client, 'other.log', source, { ...FLUSH, headers: { 'x-oss-tagging': 'team=ci' }, signal: controller.signal });
    source.push('step 1\n');
    await vi.waitFor(() => expect(local.getObject('other.log')?.toString()).toBe('step 1\n'), WAIT);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(local.getTags('other.log')).toEqual({ team: 'ci', 'heartbeat-readable:state': 'incomplete' });
  });

  it('stores the log byte for byte in an appendable object, readable while the source is still open', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    const source = logSource();
    const done = appendStream(client, KEY, source, FLUSH);
    source.push('[1/2] 编译 compile\n');
    await vi.waitFor(() => expect(local.getObject(KEY)?.toString()).toBe('[1/2] 编译 compile\n'), WAIT);
    // A reader sees the live part through OSS itself, while the build goes on.
    const live = await new OSS(local.clientOptions()).get(KEY);
    expect(live.content.toString()).toBe('[1/2] 编译 compile\n');
    source.push('[2/2] test: 87 passed\n');
    source.push(null);
    const result = await done;
    const stored = '[1/2] 编译 compile\n[2/2] test: 87 passed\n';
    expect(local.getObject(KEY)?.toString()).toBe(stored);
    const head = (await client.head(KEY)).res.headers as Record<string, string>;
    expect(head['x-oss-object-type']).toBe('Appendable');
    // Without mime: ali-oss's guess from the name's extension.
    expect(head['content-type']).toBe('text/plain');
    expect(result).toEqual({
      name: KEY,
      bytes: Buffer.byteLength(stored),
      appends: 2,
      retries: 0,
      position: Buffer.byteLength(stored),
      crc64: head['x-oss-hash-crc64ecma'],
      complete: true,
      incompleteReason: undefined,
    });
    expect(local.stats().appends).toBe(2);
    // The completion marker, as followers read it.
    expect(local.getTags(KEY)).toEqual({
      'heartbeat-readable:state': 'complete',
      'heartbeat-readable:length': String(Buffer.byteLength(stored)),
      'heartbeat-readable:crc64': head['x-oss-hash-crc64ecma'],
    });
  });

  it('appends and checks batches larger than the 16 MiB heap of the CRC-64 package', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    const input = Buffer.alloc(20 * 2 ** 20, 'build output ');
    const result = await appendStream(client, KEY, Readable.from([input]), { maxAppendBytes: 20 * 2 ** 20 });
    expect(local.getObject(KEY)?.equals(input)).toBe(true);
    const head = (await client.head(KEY)).res.headers as Record<string, string>;
    expect(result).toMatchObject({ appends: 1, crc64: head['x-oss-hash-crc64ecma'] });
  });

  it('retries a large append whose request fails while its CRC-64 is being worked out', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    const input = Buffer.alloc(3 * 2 ** 20, 'build output ');
    for (const kind of ['reset-before-apply', 'reset-after-apply', 'internal-error'] as const) {
      local.faults.inject({ kind, match: { operation: 'AppendObject' } });
    }
    const result = await appendStream(client, KEY, Readable.from([input]), { retry: { minDelayMs: 10 } });
    expect(local.getObject(KEY)?.equals(input)).toBe(true);
    expect(result).toMatchObject({ appends: 3, retries: 3 });
  });

  it('gives the object the mime and headers of the append that creates it, as HEAD and GetObject return them', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    const headers = { 'x-oss-meta-build': '42' };
    const input = Readable.from(['step 1\nstep 2\n']);
    await appendStream(client, KEY, input, { mime: 'application/x-ndjson', headers, maxAppendBytes: 7 });
    expect(local.stats().appends).toBe(2);
    const reader = new OSS(local.clientOptions());
    for (const { res } of [await reader.head(KEY), await reader.get(KEY)]) {
      expect(res.headers).toMatchObject({ 'content-type': 'application/x-ndjson', 'x-oss-meta-build': '42' });
    }
    expect(headers).toEqual({ 'x-oss-meta-build': '42' });
  });

  it('continues the same object after a restart with resume: true', async () => {
    const local = await oss.start();
    const firstRun = logSource();
    const controller = new AbortController();
    const first = appendStream(oss.heartbeatClient(local), KEY, firstRun, { ...FLUSH, signal: controller.signal });
    firstRun.push('run 1: step 1\n');
    await vi.waitFor(() => expect(local.getObject(KEY)).toBeDefined(), WAIT);
    // The runner dies.
    controller.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError', storedBytes: 14 });

    // A new process, a new client: the log goes on where it stopped.
    const secondRun = Readable.from(['run 2: step 2\n']);
    const second = await appendStream(oss.heartbeatClient(local), KEY, secondRun, { ...FLUSH, resume: true });
    expect(local.getObject(KEY)?.toString()).toBe('run 1: step 1\nrun 2: step 2\n');
    expect(second).toMatchObject({ bytes: 14, position: 28 });
    const head = (await new OSS(local.clientOptions()).head(KEY)).res.headers as Record<string, string>;
    expect(second.crc64).toBe(head['x-oss-hash-crc64ecma']);
  });

  it('refuses to overwrite an existing object, and refuses to continue a Normal one', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    await client.put(KEY, Buffer.from('uploaded with putStream\n'));
    await expect(appendStream(client, KEY, Readable.from(['x']), FLUSH)).rejects.toBeInstanceOf(ObjectExistsError);
    await expect(appendStream(client, KEY, Readable.from(['x']), { ...FLUSH, resume: true })).rejects.toBeInstanceOf(
      ObjectNotAppendableError,
    );
    expect(local.getObject(KEY)?.toString()).toBe('uploaded with putStream\n');
  });
});
