import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { appendStream, explainUploadError } from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { observeSettlement } from '../../support/settlement.js';
import { fakeOss } from '../../support/fake-oss.js';
import { KEY, runUntil, startRun } from './helpers.js';

useFakeClock();

describe('appendStream source failures (fake clock, fake OSS)', () => {
  it('stores every byte read before the source failed, then rejects with the source\'s own error', async () => {
    const run = await startRun();
    const crash = new Error('compiler crashed');
    run.source.push('step 1\n');
    run.source.push('step 2\n');
    run.source.destroy(crash);
    await runUntil(run.done);
    expect(run.settlement.error).toBe(crash);
    expect(explainUploadError(crash).kind).toBe('source-error');
    expect(run.fake.body(KEY)?.toString()).toBe('step 1\nstep 2\n');
  });

  it('rejects with a premature close when the source is destroyed without an error, after storing what it gave', async () => {
    const run = await startRun();
    run.source.push('step 1\n');
    run.source.destroy();
    await runUntil(run.done);
    expect(run.settlement.error).toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(explainUploadError(run.settlement.error).kind).toBe('source-error');
    expect(run.fake.body(KEY)?.toString()).toBe('step 1\n');
  });

  it('rejects a chunk that is not bytes, naming it, and destroys the source', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    const source = Readable.from([{ line: 1 }]);
    const { settlement, done } = observeSettlement(appendStream(fake.client, KEY, source));
    await runUntil(done);
    expect(settlement.error).toBeInstanceOf(TypeError);
    expect((settlement.error as Error).message).toBe('source chunks must be strings or bytes, got { line: 1 }');
    expect(source.destroyed).toBe(true);
    expect(fake.objects.has(KEY)).toBe(false);
  });
});
