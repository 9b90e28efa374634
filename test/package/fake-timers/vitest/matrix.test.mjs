import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';

const { FIVE_MINUTES, subjects } = createRequire(import.meta.url)('../subjects.cjs');
const sync = (ms) => vi.advanceTimersByTime(ms);
const async = (ms) => vi.advanceTimersByTimeAsync(ms);
const realDate = { toFake: ['setTimeout', 'clearTimeout'] };

const setups = [
  ['useFakeTimers(), advanceTimersByTime', undefined, sync],
  ['useFakeTimers(), advanceTimersByTimeAsync', undefined, async],
  ["useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }), advanceTimersByTime", realDate, sync],
  ["useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }), advanceTimersByTimeAsync", realDate, async],
];

afterEach(() => {
  vi.useRealTimers();
});

describe.each(setups)('Vitest, %s', (_setup, config, advance) => {
  it.each(subjects)('%s', async (_subject, make) => {
    vi.useFakeTimers(config);
    const stream = make();
    await advance(FIVE_MINUTES);
    expect(stream.heartbeats).toBe(10);
    stream.destroy();
  });
});
