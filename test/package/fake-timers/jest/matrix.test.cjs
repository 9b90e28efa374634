const { FIVE_MINUTES, subjects } = require('../subjects.cjs');

const sync = (ms) => jest.advanceTimersByTime(ms);
const async = (ms) => jest.advanceTimersByTimeAsync(ms);

const setups = [
  ['useFakeTimers(), advanceTimersByTime', {}, sync],
  ['useFakeTimers(), advanceTimersByTimeAsync', {}, async],
  ["useFakeTimers({ doNotFake: ['Date'] }), advanceTimersByTime", { doNotFake: ['Date'] }, sync],
  ['useFakeTimers({ legacyFakeTimers: true }), advanceTimersByTime', { legacyFakeTimers: true }, sync],
];

afterEach(() => {
  jest.useRealTimers();
});

describe.each(setups)('Jest, %s', (_setup, config, advance) => {
  test.each(subjects)('%s', async (_subject, make) => {
    jest.useFakeTimers(config);
    const stream = make();
    await advance(FIVE_MINUTES);
    expect(stream.heartbeats).toBe(10);
    stream.destroy();
  });
});
