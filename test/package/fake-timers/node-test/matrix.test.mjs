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
