import { getEventListeners } from 'node:events';
import { describe, expect } from 'vitest';
import { HeartbeatReadable, withHeartbeat } from '../../src/index.js';
import { putStreamWithHeartbeat } from '../../src/oss/index.js';
import { itWithOss as it } from '../support/local-oss.js';
import { paced } from '../support/sources.js';

const IDLE_LIMIT_MS = 1000;
/** Frequent: a filler is in time for the server's limit even if a loaded machine runs its timer 900 ms late. */
const heartbeat = { idleLimitMs: IDLE_LIMIT_MS, heartbeatAfterMs: 50 };
/** Longer than the server's idle limit: only heartbeats keep the upload alive through it. */
const LONG_SILENCE_MS = IDLE_LIMIT_MS + 150;
/** A few heartbeats long, and far from the limit. */
const SHORT_SILENCE_MS = 200;

/** Where a filler may land for a cut at `offset`: the start of the character the cut falls in. */
function characterStart(bytes: Buffer, offset: number): number {
  let start = offset;
  while ((bytes[start]! & 0xc0) === 0x80) start -= 1;
  return start;
}

// Side by side: most of each test is silence.
describe.concurrent('putStreamWithHeartbeat', () => {
  it('survives silences longer than the idle limit, with fillers only where the source was silent', async ({ oss }) => {
    const local = await oss.start({ idleLimitMs: IDLE_LIMIT_MS });
    const client = oss.heartbeatClient(local);
    // No spaces: the default filler is one.
    const text = '编译开始\n第一步_done_🎉\nstep_2_ok\n';
    const bytes = Buffer.from(text);
    // Cut inside 译, inside 🎉 and between lines: a child process can emit half a character and go quiet.
    const cuts = [bytes.indexOf('译') + 1, bytes.indexOf('🎉') + 2, bytes.indexOf('step')];
    const chunks = [0, ...cuts].map((start, index) => bytes.subarray(start, cuts[index] ?? bytes.length));
    const controller = new AbortController();

    const silences = [LONG_SILENCE_MS, SHORT_SILENCE_MS, SHORT_SILENCE_MS, LONG_SILENCE_MS];
    const result = await putStreamWithHeartbeat(client, 'build.log', paced(chunks, silences), {
      heartbeat,
      signal: controller.signal,
    });

    const stored = local.getObject('build.log')!;
    const storedText = new TextDecoder('utf-8', { fatal: true }).decode(stored);
    const boundaries = [0, ...cuts.map((cut) => characterStart(bytes, cut)), bytes.length];
    const pieces = boundaries.slice(1).map((end, index) => bytes.subarray(boundaries[index], end).toString());
    // Every silence, the one before the first byte included, holds fillers and nothing else does.
    expect(storedText.split(/ +/)).toEqual(['', ...pieces]);
    expect(stored.length).toBe(bytes.length + result.heartbeats);
    expect(result).toMatchObject({ name: 'build.log', dataBytes: bytes.length, res: { status: 200 } });
    expect(result.heartbeats).toBeGreaterThanOrEqual(4 * 2);
    expect(local.stats()).toMatchObject({ stored: 1, idleClosed: 0 });
    expect(local.stats().maxBodyGapMs).toBeLessThan(IDLE_LIMIT_MS);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('passes ali-oss options through and defaults the idle limit to OSS', async ({ oss }) => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);

    const headers = { 'x-oss-meta-step': 'lint' };
    const result = await putStreamWithHeartbeat(client, 'notes.txt', paced([Buffer.from('hello')], 0), {
      mime: 'text/plain',
      headers,
    });
    const head = await client.head('notes.txt');

    expect(result).toMatchObject({ heartbeats: 0, dataBytes: 5 });
    // ali-oss writes Transfer-Encoding into the headers it is given: not into the caller's.
    expect(headers).toEqual({ 'x-oss-meta-step': 'lint' });
    expect(head.res.headers).toMatchObject({ 'content-type': 'text/plain', 'x-oss-meta-step': 'lint' });
  });

  it('uploads a HeartbeatReadable as it is, so its fillers are not counted as data', async ({ oss }) => {
    const local = await oss.start({ idleLimitMs: IDLE_LIMIT_MS });
    const client = oss.heartbeatClient(local);
    const body = withHeartbeat(paced([Buffer.from('a'), Buffer.from('b')], SHORT_SILENCE_MS), heartbeat);

    const result = await putStreamWithHeartbeat(client, 'wrapped.log', body);

    expect(result.heartbeats).toBe(body.heartbeats);
    expect(result.heartbeats).toBeGreaterThanOrEqual(2);
    expect(result.dataBytes).toBe(2);
    expect(local.getObject('wrapped.log')!.toString().replaceAll(' ', '')).toBe('ab');
  });

  it('refuses heartbeat options for a source that already is a HeartbeatReadable', async ({ oss }) => {
    const client = oss.heartbeatClient(await oss.start());
    const body = new HeartbeatReadable();
    await expect(putStreamWithHeartbeat(client, 'x', body, { heartbeat })).rejects.toThrow(TypeError);
    body.destroy();
  });
});
