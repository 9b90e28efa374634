// The README's fake-timer recipe for node:test's mock timers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeartbeatReadable } from 'heartbeat-readable';

test('sends a heartbeat every 30 s of silence', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const log = new HeartbeatReadable({ idleLimitMs: 60_000 });
  log.resume(); // the upload starts reading
  // tick() runs a timer set during the call only on a later call: a millisecond at a time.
  for (let ms = 0; ms < 5 * 60_000; ms++) t.mock.timers.tick(1);
  assert.equal(log.heartbeats, 10);
  log.destroy();
});
