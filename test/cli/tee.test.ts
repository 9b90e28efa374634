import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { teeTo } from '../../src/cli/tee.js';
import { sink } from '../support/recording.js';
import { runShell } from '../support/cli.js';

const CHUNKS = ['one\n', 'two\n', 'three\n', 'four\n'].map((text) => Buffer.from(text));

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code });
}

/** Standard output whose reader takes `accepted` chunks, then fails every write with `error`. */
function failingAfter(accepted: number, error: NodeJS.ErrnoException): Writable & { received: Buffer[] } {
  const received: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      if (received.length === accepted) return setImmediate(() => callback(error));
      received.push(chunk);
      setImmediate(callback);
    },
  });
  return Object.assign(out, { received });
}

/** Runs CHUNKS through teeTo(out) into a sink: the upload's side of the copy. */
async function teeChunks(out: Writable): Promise<{ uploaded: Buffer; stops: string[] }> {
  const stops: string[] = [];
  const uploaded = sink();
  await pipeline(Readable.from(CHUNKS), teeTo(out, (reason) => stops.push(reason)), uploaded);
  return { uploaded: Buffer.concat(uploaded.received), stops };
}

describe('teeTo: a copy that fails never holds the upload up', () => {
  it('copies every chunk unchanged, and waits for a slow reader', async () => {
    // highWaterMark 1: every write() returns false, so each chunk waits for 'drain'.
    const out = failingAfter(Infinity, errno('EPIPE'));
    const { uploaded, stops } = await teeChunks(out);
    expect(Buffer.concat(out.received)).toEqual(Buffer.concat(CHUNKS));
    expect(uploaded).toEqual(Buffer.concat(CHUNKS));
    expect(stops).toEqual([]);
  });

  it.each([
    ['EPIPE (the reader went away: | head)', errno('EPIPE'), 'its reader went away: EPIPE'],
    ['ENOSPC (a full disk, >/dev/full)', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      'ENOSPC: no space left on device, write'],
  ])('write() returned false, then %s came instead of a drain: the copy stops once, the upload gets every chunk', async (_what, error, reason) => {
    const out = failingAfter(1, error);
    const { uploaded, stops } = await teeChunks(out);
    expect(uploaded).toEqual(Buffer.concat(CHUNKS));
    expect(out.received).toEqual(CHUNKS.slice(0, 1));
    expect(stops).toEqual([reason]);
  });

  it('standard output closed without an error while a chunk waits: the chunk goes on', async () => {
    const out = new Writable({ highWaterMark: 1, write: () => setImmediate(() => out.destroy()) });
    const { uploaded, stops } = await teeChunks(out);
    expect(uploaded).toEqual(Buffer.concat(CHUNKS));
    expect(stops).toEqual(['it was closed']);
  });

  it('standard output already failed: nothing is written to it, the upload gets every chunk', async () => {
    const out = sink();
    out.destroy(errno('EPIPE'));
    out.on('error', () => {});
    const { uploaded, stops } = await teeChunks(out);
    expect(uploaded).toEqual(Buffer.concat(CHUNKS));
    expect(out.received).toEqual([]);
    expect(stops).toEqual(['its reader went away: EPIPE']);
  });

  it('a failure after the input has ended says nothing: the upload is not "going on" then', async () => {
    const out = sink();
    const { stops } = await teeChunks(out);
    out.destroy(errno('EPIPE'));
    await new Promise((resolve) => out.once('close', resolve));
    expect(stops).toEqual([]);
  });
});

describe('--tee in real shell pipelines', () => {
  // 200000 lines of seq: 1288895 bytes, far more than a pipe holds, so the reader's end is met mid-copy.
  const SEQ_BYTES = 1_288_895;
  const uploaded = new RegExp(`^heartbeat-put: uploaded k to the embedded local OSS .*: ${SEQ_BYTES} bytes, `, 'm');

  it.each([
    ['| head -n 5', '| head -n 5', 'its reader went away: EPIPE'],
    ['>/dev/full', '>/dev/full', 'ENOSPC: no space left on device, write'],
  ])('seq 1 200000 | heartbeat-put --local --tee k %s finishes: exit 0, the whole input stored, one line on the copy', async (_what, output, reason) => {
    const { code, stdout, stderr } = await runShell(
      `seq 1 200000 | $CLI --local --tee k ${output}; echo "exit statuses \${PIPESTATUS[*]}" >&2`,
      {},
    ).done;

    expect(code).toBe(0);
    expect(stderr).toMatch(/^exit statuses 0 0( 0)?\n$/m);
    expect(stderr).toMatch(uploaded);
    const stopLines = stderr.split('\n').filter((line) => line.includes('--tee stopped'));
    expect(stopLines).toEqual([`heartbeat-put: --tee stopped copying to standard output (${reason}); the upload goes on`]);
    if (output.startsWith('|')) expect(stdout.toString()).toBe('1\n2\n3\n4\n5\n');
  });
});
