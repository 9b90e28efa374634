import { describe, expect, it } from 'vitest';
import { useFakeClock } from '../../support/fake-clock.js';
import { fakeOss } from '../../support/fake-oss.js';
import { KEY, runOn, runUntil, startRun } from './helpers.js';

useFakeClock();

const METADATA = { mime: 'text/plain; charset=utf-8', headers: { 'x-oss-meta-build': '42', 'Cache-Control': 'no-cache' } };

describe('appendStream mime and headers (fake clock, fake OSS)', () => {
  it('go with every try of the append that creates the object, and with no later append', async () => {
    const run = await startRun({ ...METADATA, maxAppendBytes: 7, retry: { minDelayMs: 10 } });
    run.fake.failNext('append', 'reset-before-apply');
    run.source.push('step 1\nstep 2\n');
    run.source.push(null);
    await runUntil(run.done);
    expect(run.fake.body(KEY)?.toString()).toBe('step 1\nstep 2\n');
    expect(run.appends().map(({ position, mime, headers }) => ({ position, mime, headers }))).toEqual([
      { position: 0, ...METADATA },
      { position: 0, ...METADATA },
      { position: 7, mime: undefined, headers: undefined },
    ]);
  });

  it('go with no append to an object that exists: resume continues it as it was created', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    fake.write(KEY, 'run 1\n');
    const { source, settlement, done } = runOn(fake, { ...METADATA, resume: true });
    source.push('run 2\n');
    source.push(null);
    await runUntil(done);
    expect(settlement.value).toMatchObject({ position: 12 });
    const appends = fake.requests.filter(({ method }) => method === 'append');
    expect(appends.map(({ position, mime, headers }) => ({ position, mime, headers }))).toEqual([
      { position: 6, mime: undefined, headers: undefined },
    ]);
  });
});
