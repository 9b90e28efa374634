import { request } from 'node:http';
import { Readable } from 'node:stream';
import Agent from 'agentkeepalive';
import OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import type { LocalOss } from '../../src/testing/index.js';
import { muteUrllibWarnings, useLocalOss, WAIT } from '../support/local-oss.js';
import { paced, silentAfter } from '../support/sources.js';
import { rejectionOf } from '../support/settlement.js';
import { signedHeaders } from './helpers.js';

const oss = useLocalOss();
muteUrllibWarnings();

/** A client whose own timers outlast the server's idle limit, so the server's FIN is what it sees. */
function patientClient(local: LocalOss, timeoutMs = 30_000): OSS {
  const agent = new Agent({ keepAlive: true, timeout: timeoutMs });
  oss.defer(() => agent.destroy());
  // `agent` is missing from @types/ali-oss, so the options go through a variable.
  const options = { ...local.clientOptions(), timeout: timeoutMs, agent };
  return new OSS(options);
}

/** ali-oss rebuilds urllib's error and drops its code; keep the original to see ECONNRESET. */
function keepRawErrors(client: OSS): unknown[] {
  type Urllib = { request(...args: unknown[]): Promise<unknown> };
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

function silentSource(first: string): Readable {
  const source = silentAfter(first);
  oss.defer(() => source.destroy());
  return source;
}

describe('the idle rule: a body that goes silent', () => {
  it('is ended by the server after idleLimitMs and nothing is stored', async () => {
    const local = await oss.start({ idleLimitMs: 300 });
    const client = patientClient(local);
    const raw = keepRawErrors(client);
    const startedAt = performance.now();
    const error = await rejectionOf(client.putStream('build.log', silentSource('step 1\n')));
    const elapsed = performance.now() - startedAt;

    // socket hang up comes from Node's socketOnEnd: the client saw a FIN, as from OSS, not a reset.
    expect(error).toMatchObject({ name: 'ResponseError', code: 'ResponseError', status: -1 });
    expect(error.message).toMatch(/^socket hang up/);
    expect(raw).toMatchObject([{ code: 'ECONNRESET' }]);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(local.getObject('build.log')).toBeUndefined();
    expect(local.stats()).toMatchObject({ stored: 0, idleClosed: 1, aborted: 0 });
  });

  it('fails with ResponseTimeoutError when the client times out first', async () => {
    const local = await oss.start({ idleLimitMs: 1000 });
    const client = patientClient(local, 200);
    const error = await rejectionOf(client.putStream('build.log', silentSource('step 1\n')));

    expect(error.name).toBe('ResponseTimeoutError');
    await vi.waitFor(() => expect(local.stats().aborted).toBe(1), WAIT);
    expect(local.stats()).toMatchObject({ stored: 0, idleClosed: 0 });
  });

  it('fails a default client too, and an append as well as a put', async () => {
    const local = await oss.start({ idleLimitMs: 300 });
    const client = new OSS(local.clientOptions());
    const raw = keepRawErrors(client);
    const [put, append] = await Promise.all([
      rejectionOf(client.putStream('build.log', silentSource('step 1\n'))),
      rejectionOf(client.append('live.log', silentSource('step 1\n'))),
    ]);
    expect(put).toMatchObject({ name: 'ResponseError', status: -1 });
    expect(append).toMatchObject({ status: -1 });

    expect(raw).toMatchObject([{ code: 'ECONNRESET' }, { code: 'ECONNRESET' }]);
    expect(local.stats()).toMatchObject({ stored: 0, appends: 0, objects: 0, idleClosed: 2 });
  });

  it('stores a body whose pauses stay under the idle limit, and reports the longest pause', async () => {
    const local = await oss.start({ idleLimitMs: 1000 });
    const chunks = ['step 1\n', 'done\n'].map((line) => Buffer.from(line));
    await patientClient(local).putStream('build.log', Readable.from(paced(chunks, 300)));

    expect(local.getObject('build.log')?.toString()).toBe('step 1\ndone\n');
    expect(local.stats().maxBodyGapMs).toBeGreaterThanOrEqual(250);
    expect(local.stats()).toMatchObject({ stored: 1, idleClosed: 0, aborted: 0 });
  });

  it('stores nothing when the client aborts mid-body', async () => {
    const local = await oss.start({ idleLimitMs: 5000 });
    const headers = signedHeaders(local, { method: 'PUT', key: 'build.log', headers: { 'Transfer-Encoding': 'chunked' } });
    const req = request(`${local.endpoint}/build.log`, { method: 'PUT', agent: false, headers });
    req.on('error', () => {});
    req.write('partial ');
    await vi.waitFor(() => expect(local.stats().bodyBytesBuffered).toBe(8), WAIT);
    req.destroy();

    await vi.waitFor(() => expect(local.stats().aborted).toBe(1), WAIT);
    expect(local.getObject('build.log')).toBeUndefined();
    expect(local.stats()).toMatchObject({ stored: 0, idleClosed: 0 });
  });

  it('ends a silent body after 60 s by default, as OSS does (fake clock)', async () => {
    // Only the server's idle timer is faked; sockets and the loop run for real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    oss.defer(() => vi.useRealTimers());
    const local = await oss.start();
    const headers = signedHeaders(local, { method: 'PUT', key: 'build.log', headers: { 'Transfer-Encoding': 'chunked' } });
    const req = request(`${local.endpoint}/build.log`, { method: 'PUT', agent: false, headers });
    req.on('error', () => {});
    oss.defer(() => req.destroy());
    req.write('partial ');
    while (local.stats().bodyBytesBuffered < 8) await new Promise(setImmediate);

    vi.advanceTimersByTime(59_999);
    expect(local.stats().idleClosed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(local.stats().idleClosed).toBe(1);
  });
});
