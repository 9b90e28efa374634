import { describe, expect, it, vi } from 'vitest';
import { followLog, FollowLogError, type FollowLogOptions, type LogFollower } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { fakeOss, type FakeOssOptions } from '../../support/fake-oss.js';

useFakeClock();

const KEY = 'logs/build-7.log';
const POLL = 1000;

interface Following {
  fake: ReturnType<typeof fakeOss>;
  follower: LogFollower;
  /** Everything the follower emitted so far. */
  read(): string;
  /** How it ended: 'end', its error, or undefined while it runs. */
  outcome(): 'end' | FollowLogError | undefined;
  /** The GETs and tagging reads sent so far. */
  polls(): string[];
}

/** Starts following KEY in a fresh fake OSS (on the fake clock), `prepare`d first. */
function follow(options: FollowLogOptions = {}, fakeOptions: FakeOssOptions = {}, prepare: (fake: ReturnType<typeof fakeOss>) => void = () => {}): Following {
  const fake = fakeOss({ latencyMs: 0, ...fakeOptions });
  prepare(fake);
  const follower = followLog(fake.client, KEY, { pollIntervalMs: POLL, ...options });
  const chunks: Buffer[] = [];
  let outcome: 'end' | FollowLogError | undefined;
  follower.on('data', (chunk: Buffer) => chunks.push(chunk));
  follower.on('end', () => (outcome = 'end'));
  follower.on('error', (error: FollowLogError) => (outcome = error));
  return {
    fake,
    follower,
    read: () => Buffer.concat(chunks).toString(),
    outcome: () => outcome,
    polls: () => fake.requests.map(({ method }) => method),
  };
}

/** What appendStream's completion marker holds for `fake`'s object as it is. */
function markComplete(fake: ReturnType<typeof fakeOss>): void {
  const object = fake.objects.get(KEY)!;
  object.tags = {
    'heartbeat-readable:state': 'complete',
    'heartbeat-readable:length': String(object.body.length),
    'heartbeat-readable:crc64': object.crc64,
  };
}

describe('followLog (fake clock, fake OSS)', () => {
  it('emits the log as it grows, each byte once, and ends once it is marked complete and matches the marker', async () => {
    const run = follow();
    await vi.advanceTimersByTimeAsync(0);
    // Not written yet: a 404 is a log to wait for.
    expect(run.polls()).toEqual(['get']);
    run.fake.write(KEY, 'step 1\n');
    await vi.advanceTimersByTimeAsync(POLL);
    expect(run.read()).toBe('step 1\n');
    run.fake.write(KEY, 'step 2 编译\n');
    await vi.advanceTimersByTimeAsync(POLL);
    expect(run.read()).toBe('step 1\nstep 2 编译\n');
    markComplete(run.fake);
    // A poll that finds nothing new, then one that reads the marker.
    await vi.advanceTimersByTimeAsync(2 * POLL);
    expect(run.polls().slice(-3)).toEqual(['get', 'get-tagging', 'get']);
    expect(run.outcome()).toBe('end');
    expect(run.follower).toMatchObject({ complete: true, position: Buffer.byteLength('step 1\nstep 2 编译\n') });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('moves one body byte, the one it has, in a poll that finds nothing new', async () => {
    const run = follow({}, {}, (fake) => fake.write(KEY, 'line\n'));
    await vi.advanceTimersByTimeAsync(0);
    const before = run.fake.requests.length;
    await vi.advanceTimersByTimeAsync(POLL);
    const poll = run.fake.requests.slice(before);
    expect(poll).toMatchObject([{ method: 'get', bytes: 1 }]);
  });

  it('sends one request per poll during a silence: at most 60 s / pollIntervalMs + 1 in a minute', async () => {
    const run = follow({}, {}, (fake) => fake.write(KEY, 'line\n'));
    await vi.advanceTimersByTimeAsync(0);
    const before = run.fake.requests.length;
    await vi.advanceTimersByTimeAsync(60_000);
    const silence = run.polls().slice(before);
    expect(silence.length).toBeLessThanOrEqual(60_000 / POLL + 1);
    // Some of them read the marker instead: after 1, 2 and 4 polls that found nothing new, then after every 8th.
    const markerPolls = silence.flatMap((method, index) => (method === 'get-tagging' ? [index + 1] : []));
    expect(markerPolls).toEqual([2, 3, 5, 9, 17, 25, 33, 41, 49, 57]);
  });

  it('ends with each byte once when a proxy ignores Range (a 200 with the whole object every poll)', async () => {
    const run = follow({}, { ignoreRange: true }, (fake) => fake.write(KEY, 'a\n'));
    await vi.advanceTimersByTimeAsync(0);
    run.fake.write(KEY, 'b\n');
    await vi.advanceTimersByTimeAsync(POLL);
    run.fake.write(KEY, 'c\n');
    markComplete(run.fake);
    await vi.advanceTimersByTimeAsync(3 * POLL);
    expect(run.read()).toBe('a\nb\nc\n');
    expect(run.outcome()).toBe('end');
  });

  it('ends a log that is complete already right after catching up: no silence to wait for', async () => {
    const run = follow({}, {}, (fake) => {
      fake.write(KEY, 'whole log\n');
      markComplete(fake);
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(run.outcome()).toBe('end');
    expect(run.polls()).toEqual(['get', 'get-tagging', 'get']);
  });

  it('waits, with start past the end of the log, until it grows there', async () => {
    const run = follow({ start: 10 }, {}, (fake) => fake.write(KEY, 'short\n'));
    await vi.advanceTimersByTimeAsync(2 * POLL);
    expect(run.outcome()).toBeUndefined();
    run.fake.write(KEY, 'longer now\n');
    await vi.advanceTimersByTimeAsync(POLL);
    expect(run.read()).toBe('er now\n');
  });

  it('errors with ERR_LOG_TRUNCATED, with start past the end of a log marked complete shorter than that', async () => {
    const run = follow({ start: 10 }, {}, (fake) => {
      fake.write(KEY, 'short\n');
      markComplete(fake);
    });
    await vi.advanceTimersByTimeAsync(2 * POLL);
    expect(run.outcome()).toMatchObject({ code: 'ERR_LOG_TRUNCATED', position: 10 });
    expect((run.outcome() as Error).message).toMatch(/the log ended at 6 bytes, before start$/);
  });

  it('says why it stalled when the requests were failing: the last failure is the cause', async () => {
    const run = follow({ giveUpAfterMs: 3000, retry: { minDelayMs: 500, maxDelayMs: 500 } }, {}, (fake) => fake.offlineFor(60_000));
    await vi.advanceTimersByTimeAsync(4000);
    expect(run.outcome()).toMatchObject({ code: 'ERR_LOG_STALLED', cause: { name: 'RequestError' } });
    expect((run.outcome() as Error).message).toMatch(/has not grown for 3000 ms \(giveUpAfterMs\), and the last request failed \(RequestError ECONNREFUSED\)$/);
  });

  it('reads from start, and catches up in steps of READ_BYTES at most', async () => {
    const big = 'x'.repeat(9 * 2 ** 20);
    const run = follow({ start: 5 }, {}, (fake) => {
      fake.write(KEY, `skip\n${big}`);
      markComplete(fake);
    });
    await vi.advanceTimersByTimeAsync(3 * POLL);
    expect(run.read()).toBe(big);
    // Each read after the first starts with the byte before the offset.
    expect(run.fake.requests.filter(({ method }) => method === 'get').map(({ bytes }) => bytes).slice(0, 2)).toEqual([8 * 2 ** 20, 2 ** 20 + 2]);
  });

  it.each([
    ['replaced by another object of the same length', (fake: ReturnType<typeof fakeOss>) => fake.put(KEY, 'LINE\n'), 'ERR_LOG_REPLACED'],
    ['replaced by a shorter object', (fake: ReturnType<typeof fakeOss>) => fake.put(KEY, 'l'), 'ERR_LOG_TRUNCATED'],
    ['deleted', (fake: ReturnType<typeof fakeOss>) => fake.objects.delete(KEY), 'ERR_LOG_DELETED'],
  ])('errors, never ends, when the log is %s mid-follow', async (_case, change, code) => {
    const run = follow({}, {}, (fake) => fake.write(KEY, 'line\n'));
    await vi.advanceTimersByTimeAsync(0);
    change(run.fake);
    await vi.advanceTimersByTimeAsync(POLL);
    expect(run.outcome()).toBeInstanceOf(FollowLogError);
    expect(run.outcome()).toMatchObject({ code, objectName: KEY, position: 5 });
    expect(run.read()).toBe('line\n');
  });

  it('errors with ERR_LOG_INCOMPLETE, after the last bytes, when the writer marked the log ended incomplete', async () => {
    const run = follow({}, {}, (fake) => fake.write(KEY, 'line\n'));
    await vi.advanceTimersByTimeAsync(POLL);
    run.fake.write(KEY, 'last\n');
    run.fake.objects.get(KEY)!.tags = { 'heartbeat-readable:state': 'incomplete' };
    await vi.advanceTimersByTimeAsync(4 * POLL);
    expect(run.read()).toBe('line\nlast\n');
    expect(run.outcome()).toMatchObject({ code: 'ERR_LOG_INCOMPLETE', position: 10 });
    expect((run.outcome() as Error).message).toBe(
      `Following ${KEY} stopped at byte 10: the writer ended without completing the log (it failed or was aborted)`,
    );
  });

  it('errors with ERR_LOG_STALLED once giveUpAfterMs passes without growth (a writer killed without a marker)', async () => {
    const run = follow({ giveUpAfterMs: 10_000 }, {}, (fake) => fake.write(KEY, 'line\n'));
    await vi.advanceTimersByTimeAsync(9_000);
    expect(run.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2 * POLL);
    expect(run.outcome()).toMatchObject({ code: 'ERR_LOG_STALLED' });
  });

  it('retries transient failures without showing them, and gives up past retry with the last failure as cause', async () => {
    const run = follow({ retry: { attempts: 3, minDelayMs: 10, maxDelayMs: 10 } }, {}, (fake) => fake.write(KEY, 'line\n'));
    run.fake.failNext('get', 503, 'bare-200');
    await vi.advanceTimersByTimeAsync(100);
    expect(run.read()).toBe('line\n');
    expect(run.outcome()).toBeUndefined();
    run.fake.failNext('get', 503, 503, 503);
    await vi.advanceTimersByTimeAsync(POLL + 100);
    expect(run.outcome()).toMatchObject({ code: 'ERR_FOLLOW_GAVE_UP', cause: { code: 'ServiceUnavailable' } });
  });

  it('stops with ERR_FOLLOW_REFUSED when OSS refuses for good', async () => {
    const run = follow({}, { denyTagging: true }, (fake) => fake.write(KEY, 'line\n'));
    await vi.advanceTimersByTimeAsync(2 * POLL);
    expect(run.outcome()).toMatchObject({ code: 'ERR_FOLLOW_REFUSED', cause: { code: 'AccessDenied' } });
  });

  it('ends a Normal object (a putStream upload) once it is read whole', async () => {
    const run = follow({}, {}, (fake) => fake.put(KEY, 'uploaded whole\n'));
    await vi.advanceTimersByTimeAsync(0);
    expect(run.read()).toBe('uploaded whole\n');
    expect(run.outcome()).toBe('end');
  });

  it('aborts with an AbortError, cancelling the request in flight, and leaves nothing running', async () => {
    const controller = new AbortController();
    const reason = new Error('page closed');
    const run = follow({ signal: controller.signal }, {}, (fake) => fake.write(KEY, 'line\n'));
    await vi.advanceTimersByTimeAsync(0);
    run.fake.failNext('get', 'hang');
    await vi.advanceTimersByTimeAsync(POLL + 10);
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(run.outcome()).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: reason });
    const sent = run.fake.requests.length;
    // The fake's own timer for the hanging answer runs out; nothing of the follower's is left, and it sends nothing more.
    await vi.advanceTimersByTimeAsync(61_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(run.fake.requests).toHaveLength(sent);
  });

  it('waits for its reader: no poll while a paused consumer has not taken what was read', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    fake.write(KEY, 'x'.repeat(64 * 1024));
    const follower = followLog(fake.client, KEY, { pollIntervalMs: POLL });
    follower.read(0);
    await vi.advanceTimersByTimeAsync(10 * POLL);
    // The first GET, and the marker read that follows the first catch-up.
    expect(fake.requests.map(({ method }) => method)).toEqual(['get', 'get-tagging']);
    follower.destroy();
  });

  it.each([
    ['start negative', { start: -1 }, RangeError, /^start must be an integer from 0 to/],
    ['pollIntervalMs zero', { pollIntervalMs: 0 }, RangeError, /^pollIntervalMs must be a positive finite number, got 0$/],
    ['giveUpAfterMs a string', { giveUpAfterMs: '5s' }, TypeError, /^giveUpAfterMs must be a positive finite number, got "5s"$/],
    ['retry.attempts zero', { retry: { attempts: 0 } }, RangeError, /^retry\.attempts must be an integer of at least 1, got 0$/],
  ])('refuses bad options before any request: %s', (_case, options, type, message) => {
    const fake = fakeOss();
    expect(() => followLog(fake.client, KEY, options as FollowLogOptions)).toThrow(type);
    expect(() => followLog(fake.client, KEY, options as FollowLogOptions)).toThrow(message);
    expect(fake.requests).toEqual([]);
  });
});
