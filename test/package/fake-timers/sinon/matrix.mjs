// A script, not a node:test file: a full install fakes process.nextTick and queueMicrotask, which the
// node:test runner itself needs. Prints a TAP-like "ok 1 - <case>" or "not ok 1 - <case>: <why>" per case.
import { createRequire } from 'node:module';
import FakeTimers from '@sinonjs/fake-timers';

const { FIVE_MINUTES, subjects } = createRequire(import.meta.url)('../subjects.cjs');
const realDate = { toFake: ['setTimeout', 'clearTimeout'] };

const setups = [
  ["install({ toFake: ['setTimeout', 'clearTimeout'] }), tick", realDate, (clock, ms) => clock.tick(ms)],
  ['install(), tick', {}, (clock, ms) => clock.tick(ms)],
  ['install(), tickAsync', {}, (clock, ms) => clock.tickAsync(ms)],
];

for (const [setup, config, advance] of setups) {
  for (const [subject, make] of subjects) {
    const clock = FakeTimers.install(config);
    let heartbeats;
    try {
      const stream = make();
      await advance(clock, FIVE_MINUTES);
      heartbeats = stream.heartbeats;
      stream.destroy();
    } finally {
      clock.uninstall();
    }
    const name = `@sinonjs/fake-timers, ${setup}, ${subject}`;
    console.log(heartbeats === 10 ? `ok 1 - ${name}` : `not ok 1 - ${name}: ${heartbeats} heartbeats`);
  }
}
