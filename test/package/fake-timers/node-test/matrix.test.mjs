import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const { FIVE_MINUTES, subjects } = createRequire(import.meta.url)('../subjects.cjs');

for (const apis of [['setTimeout'], ['setTimeout', 'Date']]) {
  for (const [subject, make] of subjects) {
    test(`node:test, mock.timers.enable({ apis: ${JSON.stringify(apis)} }), ${subject}`, (t) => {
      t.mock.timers.enable({ apis });
      const stream = make();
      // tick() runs a timer set during the call only on a later call: a millisecond at a time.
      for (let ms = 0; ms < FIVE_MINUTES; ms++) t.mock.timers.tick(1);
      assert.equal(stream.heartbeats, 10);
      stream.destroy();
    });
  }
}

// Why the recipe advances a millisecond at a time: one long tick() runs the first timer, not the one it sets.
test('node:test, one tick() of five minutes: one heartbeat', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const [, make] = subjects[0];
  const stream = make();
  t.mock.timers.tick(FIVE_MINUTES);
  assert.equal(stream.heartbeats, 1);
  stream.destroy();
});
